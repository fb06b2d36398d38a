"""A slow client over a real socket (issue 15's abuse cases): a client that trickles its
request head, or its body, a byte at a time gets ``408`` with code ``TIMEOUT``
(docs/api-limits.md) once ``request_timeout`` has passed, and other clients are served
meanwhile.

The server is the one ``stackgraph serve`` runs (uvicorn with ``server_config``: the
head deadline of api/http_protocol.py, the guard's budget over the body), in a thread, on
a free loopback port. The slow clients never finish on their own (their requests are far
longer than they could send in the budget): only the server's deadline ends them. Waits
are bounded only to stop a hang.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.cli_serve import server_config
from graph.db import Graph
from tests.api.conftest import api_settings, free_port

pytestmark = pytest.mark.neo4j

#: The server's ``request_timeout`` here: long enough for the other clients' requests to
#: be answered while the slow ones are still sending, short enough for a quick test
BUDGET = 10.0
#: Seconds between two bytes of a slow client
TRICKLE = 0.2
#: Bound of any wait (only a hang reaches it)
HANG = BUDGET + 120.0


@pytest.fixture()
def served(small: Graph) -> Iterator[int]:
    settings = api_settings(request_timeout=BUDGET)
    port = free_port()
    server = uvicorn.Server(server_config(create_app(settings, graph=small), settings,
                                          "127.0.0.1", port, "warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + HANG
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class Trickler(threading.Thread):
    """Sends ``payload`` a byte every ``TRICKLE`` seconds until the server answers (or
    closes), then reads the whole answer."""

    def __init__(self, port: int, payload: bytes) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.payload = payload
        self.sent = 0
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.body = b""
        self.answered = threading.Event()
        self.started_sending = threading.Event()

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=HANG) as sock:
            received = b""
            while self.sent < len(self.payload):
                readable, _, _ = select.select([sock], [], [], TRICKLE)
                if readable:
                    break  # the server answered (or closed) before the request was sent
                try:
                    sock.sendall(self.payload[self.sent:self.sent + 1])
                except OSError:
                    break
                self.sent += 1
                self.started_sending.set()
            while b"\r\n\r\n" not in received:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
            head, _, rest = received.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            self.status = int(lines[0].split()[1]) if lines[0] else None
            self.headers = {k.strip().lower(): v.strip() for k, _, v in
                            (line.partition(":") for line in lines[1:])}
            length = int(self.headers.get("content-length", "0"))
            while len(rest) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
            self.body = rest[:length]
        self.answered.set()


def test_slow_clients_get_timeout_and_others_are_served(served: int) -> None:
    query = json.dumps({"query": "{ firms(first: 3) { totalCount } }"}).encode()
    # the head never ends: a header far longer than the budget lets it send
    slow_head = (b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: "
                 + b"a" * int(10 * BUDGET / TRICKLE))
    # the head is whole, the body never is: it announces far more than it can send
    body = b'{"query": "{ firms { totalCount } }", "x": "' + b"a" * int(10 * BUDGET / TRICKLE)
    slow_body = (b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Content-Type: application/json\r\nContent-Length: "
                 + str(len(body) + 2).encode() + b"\r\n\r\n")
    head_client, body_client = Trickler(served, slow_head), Trickler(served, slow_body)
    body_client.payload += body  # the head goes at the same pace, then the body
    for t in (head_client, body_client):
        t.start()
    for t in (head_client, body_client):
        assert t.started_sending.wait(HANG)

    # meanwhile: other clients' requests are answered while the slow ones still send
    served_meanwhile = 0
    with httpx.Client(base_url=f"http://127.0.0.1:{served}", timeout=HANG) as c:
        for _ in range(5):
            res = c.post("/graphql", content=query,
                         headers={"content-type": "application/json"})
            assert res.status_code == 200, res.text
            assert res.json()["data"]["firms"]["totalCount"] == 7
            if not (head_client.answered.is_set() or body_client.answered.is_set()):
                served_meanwhile += 1
    assert served_meanwhile >= 1, "no request was answered while the slow clients sent"

    for t in (head_client, body_client):
        t.join(HANG)
        assert t.answered.is_set(), "a slow client was never answered"
        assert t.sent < len(t.payload)  # ended by the server, not by the client finishing
        assert t.status == 408, (t.status, t.body)
        error = json.loads(t.body)["error"]
        assert error["code"] == "TIMEOUT" and error["message"] and error["hint"]
        assert t.headers.get("x-request-id")
    # the head never reached the app; the body was cut by the guard's budget
    assert b"headers" in head_client.body and b"too slowly" in body_client.body
