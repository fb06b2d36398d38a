"""Chaos with real processes on loopback: Neo4j killed (SIGKILL) during an ingest and
during API load, and the API stopped (SIGTERM) with requests in flight.

These tests run their own Neo4j (home ``.stackgraph/test-chaos``; Bolt / HTTP ports
``STACKGRAPH_TEST_CHAOS_BOLT_PORT`` / ``_HTTP_PORT``, by default the lifecycle test
server's plus 3: 17693 / 17493), since they kill it: the session's test server is never
touched. Every wait is bounded; nothing here decides pass or fail by a clock except the
bounds themselves (a request must come back within the driver's timeouts plus margin).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.db import Graph, Target, open_graph
from graph.server import ManagedServer
from tests.conftest import ROOT, test_settings

pytestmark = pytest.mark.neo4j

HOME = Path(os.environ.get("STACKGRAPH_TEST_CHAOS_HOME", ROOT / ".stackgraph" / "test-chaos"))
BOLT = int(os.environ.get("STACKGRAPH_TEST_CHAOS_BOLT_PORT",
                          int(os.environ.get("STACKGRAPH_TEST_LIFECYCLE_BOLT_PORT", "17690")) + 3))
HTTP = int(os.environ.get("STACKGRAPH_TEST_CHAOS_HTTP_PORT",
                          int(os.environ.get("STACKGRAPH_TEST_LIFECYCLE_HTTP_PORT", "17490")) + 3))
#: The API's port for these tests (the chaos Bolt port + 100)
API_PORT = int(os.environ.get("STACKGRAPH_TEST_CHAOS_API_PORT", BOLT + 100))
#: Upper bound of any one request while Neo4j is down: the API driver's connection
#: timeout (3 s) and retry time (2 s), with a wide margin for a loaded machine
REQUEST_BOUND = 60.0
#: Bound of a wait for something that must happen (a start, a load): only a hang reaches it
HANG = 600.0


def chaos_settings():  # type: ignore[no-untyped-def]
    return test_settings(STACKGRAPH_HOME=HOME, STACKGRAPH_BOLT_PORT=BOLT,
                         STACKGRAPH_HTTP_PORT=HTTP)


def env() -> dict[str, str]:
    out = dict(os.environ, STACKGRAPH_HOME=str(HOME), STACKGRAPH_BOLT_PORT=str(BOLT),
               STACKGRAPH_HTTP_PORT=str(HTTP), STACKGRAPH_API_HOST="127.0.0.1",
               STACKGRAPH_API_PORT=str(API_PORT), STACKGRAPH_API_KEYS="",
               STACKGRAPH_HEAP=os.environ.get("STACKGRAPH_TEST_HEAP", "1g"),
               STACKGRAPH_PAGECACHE=os.environ.get("STACKGRAPH_TEST_PAGECACHE", "512m"),
               # a loaded CI machine must not turn a slow batch into a QUERY_TIMEOUT
               STACKGRAPH_QUERY_TIMEOUT="600")
    for key in ("NEO4J_URI", "NEO4J_PASSWORD", "STACKGRAPH_RATE_LIMIT"):
        out.pop(key, None)
    return out


#: The installed ``stackgraph`` command of this interpreter's environment
STACKGRAPH = str(Path(sys.executable).with_name("stackgraph"))


def cli(*args: str, timeout: float = HANG) -> subprocess.CompletedProcess[str]:
    return subprocess.run([STACKGRAPH, *args], env=env(), cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def server() -> Iterator[ManagedServer]:
    srv = ManagedServer(chaos_settings())
    srv.stop()
    for sub in ("data", "logs", "password"):  # a fresh database each run; jars stay
        p = HOME / sub
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    db_start()
    yield srv
    srv.stop()


def db_start() -> None:
    """``stackgraph db start``, as the user is told to run it: starts Neo4j, waits for
    Bolt and applies the schema (the constraints MERGE relies on)."""
    out = cli("db", "start")
    assert out.returncode == 0, out.stdout + out.stderr


def connect(srv: ManagedServer) -> Graph:
    return open_graph(chaos_settings(), target=Target(srv.bolt_uri, "neo4j", srv.password(),
                                                      "neo4j", managed=True))


def wait_for(pred: Any, bound: float, what: str) -> None:
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {bound:.0f} s")


def sigkill(srv: ManagedServer) -> None:
    pid = srv.pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: srv.pid() is None or not _alive(pid), 60, "Neo4j dying")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def digest(path: Path) -> tuple[int, int, str]:
    """(nodes, relationships, sha256 of the sorted lines without relationship ids, which
    are Neo4j's element ids and differ from one load to the next)."""
    lines = []
    nodes = rels = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["type"] == "node":
            nodes += 1
        else:
            rels += 1
            row.pop("id")
        lines.append(json.dumps(row, sort_keys=True))
    return nodes, rels, hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


def test_neo4j_killed_during_ingest_then_rerun_equals_a_clean_load(
        server: ManagedServer, tmp_path: Path) -> None:
    from bench.generate import synthetic_graph
    from bench.jsonl import write_file

    data = tmp_path / "graph.jsonl"
    write_file(data, *synthetic_graph(10_000, 5))
    graph = connect(server)
    try:
        graph.write("MATCH (n) DETACH DELETE n")
        args = ("ingest", str(data), "--format", "apoc-json", "--batch-size", "500",
                "--rejects", str(tmp_path / "rejects.jsonl"))
        proc = subprocess.Popen([STACKGRAPH, *args], env=env(),
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)

        def some_written() -> bool:
            assert proc.poll() is None, proc.communicate()
            return bool(graph.read("MATCH (n) RETURN count(n) > 0 AS any")[0]["any"])

        wait_for(some_written, HANG, "the ingest writing its first batch")
        # the ingest paused between two batches while Neo4j dies: the kill lands in the
        # middle of the load whatever the machine's speed (10^4 nodes and their
        # relationships are ~120 batches; the first is committed, the last is not)
        proc.send_signal(signal.SIGSTOP)
        try:
            assert proc.poll() is None, "the ingest ended before Neo4j could be killed"
            sigkill(server)
        finally:
            proc.send_signal(signal.SIGCONT)
        out, err = proc.communicate(timeout=HANG)
        assert proc.returncode != 0, out
        text = " ".join(err.split())
        assert "Neo4j went away during the load" in text, err
        assert "stackgraph db start" in text and "run the same `stackgraph ingest`" in text
        assert "Traceback" not in err

        db_start()
        graph.close()
        graph = connect(server)
        total = len(data.read_text(encoding="utf-8").splitlines())  # nodes and rels
        kept = graph.read("MATCH (n) OPTIONAL MATCH (n)-[r]->() "
                          "RETURN count(DISTINCT n) + count(r) AS c")[0]["c"]
        assert 0 < kept < total  # a part of the load, committed batches only
        rerun = cli(*args)
        assert rerun.returncode == 0, rerun.stderr
        assert cli("export", str(tmp_path / "after.jsonl")).returncode == 0

        graph.write("MATCH (n) DETACH DELETE n")
        clean = cli(*args)
        assert clean.returncode == 0, clean.stderr
        assert cli("export", str(tmp_path / "clean.jsonl")).returncode == 0
        after, reference = digest(tmp_path / "after.jsonl"), digest(tmp_path / "clean.jsonl")
        assert after[:2] == reference[:2] and reference[0] == 10_000
        assert after == reference
    finally:
        graph.close()


def _loaded(server: ManagedServer) -> None:
    """A small graph the questions can run on (the API tests' own)."""
    from tests.api.conftest import small_graph

    graph = connect(server)
    try:
        from graph.db import apply_schema

        apply_schema(graph)
        graph.write("MATCH (n) DETACH DELETE n")
        small_graph().load(graph)
    finally:
        graph.close()


class Api:
    """``stackgraph serve`` as a process of its own."""

    def __init__(self, log: Path) -> None:
        self.log = log  # a file, not a pipe: a full pipe would block the server's logging
        with log.open("wb") as fh:
            self.proc = subprocess.Popen(
                [STACKGRAPH, "serve", "--port", str(API_PORT)], env=env(),
                cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{API_PORT}"
        wait_for(self._up, HANG, "the API answering")

    def _up(self) -> bool:
        assert self.proc.poll() is None, self.log.read_text(errors="replace")
        try:
            return httpx.get(self.url + "/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


QUERIES = [
    "{ firms(first: 5) { totalCount nodes { id name } } }",
    '{ diversionRisk(item: "chip:c0", maxHops: 4) { totalPaths paths { score } } }',
    '{ foreignStakes(firm: "firm:gamma") { owners { owner { id } } } }',
    '{ search(text: "alpha") { entity { id } } }',
]


def test_neo4j_killed_under_api_load_answers_503_then_recovers(server: ManagedServer,
                                                              tmp_path: Path) -> None:
    if server.pid() is None:
        db_start()
    _loaded(server)
    api = Api(tmp_path / "api.log")
    results: list[tuple[float, int, str | None]] = []  # (seconds, status, code)
    stop = threading.Event()

    def client(i: int) -> None:
        with httpx.Client(timeout=REQUEST_BOUND) as c:
            k = i
            while not stop.is_set():
                t0 = time.monotonic()
                k += 1
                try:
                    res = c.post(api.url + "/graphql",
                                 json={"query": QUERIES[k % len(QUERIES)]})
                    body = res.json()
                except Exception as exc:  # noqa: BLE001 - an outcome the test reports
                    results.append((time.monotonic() - t0, -1, f"{type(exc).__name__}: {exc}"))
                    continue
                code = body["errors"][0]["extensions"]["code"] if body.get("errors") else None
                results.append((time.monotonic() - t0, res.status_code, code))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    try:
        for t in threads:
            t.start()
        wait_for(lambda: len(results) >= 20, HANG, "20 answers before the kill")
        before = len(results)
        assert all(status == 200 and code is None for _, status, code in results[:before]), \
            results[:before]
        sigkill(server)
        wait_for(lambda: any(s == 503 for _, s, _c in results[before:]), REQUEST_BOUND,
                 "a 503 after the kill")
        down = len(results)
        wait_for(lambda: len(results) >= down + 8, HANG, "answers while down")
        stop.set()
        for t in threads:
            t.join(REQUEST_BOUND)
        after = results[before:]
        # every answer once Neo4j is gone: answered with data, or 503 NEO4J_UNAVAILABLE
        assert all((s, c) in {(200, None), (503, "NEO4J_UNAVAILABLE")}
                   for _, s, c in after), after
        assert all(seconds < REQUEST_BOUND for seconds, _, _ in after), after
        res = httpx.get(api.url + "/readyz", timeout=REQUEST_BOUND)
        assert res.status_code == 503 and res.json()["code"] == "NEO4J_UNAVAILABLE"
        assert "bolt://" not in res.text

        db_start()  # the same API process, not restarted

        def answers() -> bool:
            res = httpx.post(api.url + "/graphql", json={"query": QUERIES[0]},
                             timeout=REQUEST_BOUND)
            return res.status_code == 200 and res.json()["data"]["firms"]["totalCount"] == 7

        wait_for(answers, HANG, "the API answering again after Neo4j is back")
    finally:
        stop.set()
        api.stop()


def test_api_sigterm_with_requests_in_flight(server: ManagedServer, tmp_path: Path) -> None:
    """Requests in flight when the API gets SIGTERM: each one that gets an answer gets a
    whole one (data, or an error with a code); none is cut halfway."""
    if server.pid() is None:
        db_start()
    _loaded(server)
    api = Api(tmp_path / "api.log")
    outcomes: list[str] = []
    started = threading.Barrier(9)

    def client(i: int) -> None:
        with httpx.Client(timeout=REQUEST_BOUND) as c:
            started.wait()
            for k in range(5):
                try:
                    res = c.post(api.url + "/graphql",
                                 json={"query": QUERIES[(i + k) % len(QUERIES)]})
                except httpx.TransportError as exc:  # refused / closed before an answer
                    outcomes.append(f"no answer: {type(exc).__name__}: {exc}")
                    continue
                try:
                    body = res.json()  # a cut body would not parse
                except ValueError as exc:
                    outcomes.append(f"cut: {exc}")
                    continue
                if body.get("data") and not body.get("errors"):
                    outcomes.append("answered")
                else:
                    outcomes.append("code " + body["errors"][0]["extensions"]["code"])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    try:
        for t in threads:
            t.start()
        started.wait()
        wait_for(lambda: len(outcomes) >= 4, HANG, "the first answers")
        api.proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(REQUEST_BOUND * 2)
        # a graceful shutdown: uvicorn finishes the requests in flight, runs the app's
        # shutdown, then raises the SIGTERM it caught again (exit status -15)
        assert api.proc.wait(HANG) in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in api.log.read_text(errors="replace")
        assert len(outcomes) == 40
        assert "answered" in outcomes
        # refused, or the connection closed before any byte of an answer; never a cut one
        unanswered = ("no answer: ConnectError", "no answer: ReadError",
                      "no answer: WriteError",
                      "no answer: RemoteProtocolError: Server disconnected without sending")
        assert all(o == "answered" or o.startswith(("code ", *unanswered))
                   for o in outcomes), outcomes
        assert "Traceback" not in api.log.read_text(errors="replace")
    finally:
        api.stop()
