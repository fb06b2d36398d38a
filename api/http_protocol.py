"""The HTTP protocol ``stackgraph serve`` runs: uvicorn's (httptools), plus a deadline on
the request's head.

uvicorn bounds an idle keep-alive connection but not a request whose head (request line
and headers) arrives a byte at a time: such a client holds its connection for as long as
it likes, and the app never sees the request, so the guard's budget (``api/guard.py``,
which covers the body) cannot end it. Here the head must be complete within
``request_timeout`` seconds of its first byte (or of the connection, for a client that
connects and sends nothing); past that the client gets ``408`` with the API's error shape,
code ``TIMEOUT``, and the connection is closed. The event loop is never blocked by a slow
client either way: other clients are served meanwhile.
"""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.errors import new_request_id


def timeout_response(request_id: str) -> bytes:
    """The whole 408 answer, written to the socket as is (there is no request to answer
    through the app)."""
    body = json.dumps({"error": {
        "code": "TIMEOUT", "message": "the client sent its request headers too slowly",
        "hint": "send the request at once"}}).encode()
    return (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
            b"connection: close\r\nx-request-id: " + request_id.encode("ascii")
            + b"\r\ncontent-length: " + str(len(body)).encode("ascii") + b"\r\n\r\n" + body)


class HeadDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline on each request's head."""

    def __init__(self, *args: Any, head_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_timeout = head_timeout
        self._awaiting_head = True
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._awaiting_head and self._deadline is None:
            self._arm()  # the first byte of the next request on a kept-alive connection
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._awaiting_head = False
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        self._awaiting_head = True  # idle now: uvicorn's keep-alive timeout applies
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_too_slow(self) -> None:
        self._deadline = None
        if self._awaiting_head and not self.transport.is_closing():
            request_id = new_request_id()
            self.logger.info("request %s: headers not complete within %g s; 408",
                             request_id, self.head_timeout)
            self.transport.write(timeout_response(request_id))
            self.transport.close()


def http_protocol(head_timeout: float) -> Any:
    """The protocol factory for ``uvicorn.Config(http=...)`` (a partial: picklable, so
    ``--workers`` processes get it too)."""
    return functools.partial(HeadDeadlineProtocol, head_timeout=head_timeout)
