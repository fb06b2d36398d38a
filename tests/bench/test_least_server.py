"""The least server (the yardstick of ``bench api``'s overhead) answers a question as its
docstring says: the Python call's pydantic answer as ``{"data": ...}``, in a worker
thread on ``/<question>`` and on the event loop's thread on ``/inline/<question>``; an
unknown question is a 404; shutdown closes its graph."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import orjson
import pytest
from pydantic import BaseModel

from bench.least_server import make_app
from graph.db import Graph, Target, open_graph
from graph.errors import Neo4jUnavailable
from tests.conftest import test_settings


class Answer(BaseModel):
    nodes: int
    thread: int


async def _request(app: Any, path: str) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []
    bodies = [{"type": "http.request", "body": b"{}", "more_body": True},
              {"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict[str, Any]:
        return bodies.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "http", "method": "POST", "path": path}, receive, send)
    return sent[0]["status"], sent[1]["body"]


async def _shutdown(app: Any) -> list[str]:
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[str] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message["type"])

    await app({"type": "lifespan"}, receive, send)
    return sent


def test_answers_in_a_worker_thread_or_inline(graph: Graph, neo4j_target: Target) -> None:
    graph.write("CREATE (:Firm {id: 'firm:a', name: 'A'}), (:Firm {id: 'firm:b', name: 'B'})")
    own = open_graph(test_settings(), target=neo4j_target)

    def count(g: Graph) -> Answer:
        n = g.read("MATCH (f:Firm) RETURN count(f) AS n")[0]["n"]
        return Answer(nodes=n, thread=threading.get_ident())

    app = make_app(own, {"count": count})

    async def scenario() -> tuple[int, list[tuple[int, bytes]], list[str]]:
        loop_thread = threading.get_ident()
        answers = [await _request(app, path) for path in ("/count", "/inline/count", "/nope")]
        return loop_thread, answers, await _shutdown(app)

    loop_thread, answers, lifespan = asyncio.run(scenario())
    (status, hop), (status_inline, inline), (status_unknown, _) = answers
    assert (status, status_inline, status_unknown) == (200, 200, 404)
    hop_data, inline_data = orjson.loads(hop)["data"], orjson.loads(inline)["data"]
    assert hop_data["nodes"] == inline_data["nodes"] == 2
    assert hop_data["thread"] != loop_thread
    assert inline_data["thread"] == loop_thread
    assert lifespan == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    with pytest.raises(Neo4jUnavailable, match="Driver closed"):  # by the shutdown
        own.read("RETURN 1 AS x")
