"""The least an HTTP server can do to answer a question: the yardstick of ``bench api``'s
GraphQL overhead.

``python -m bench api`` compares each question through ``/graphql`` with the same question
called in Python. Part of that difference is not GraphQL's and not the API's: any server
pays for HTTP both ways, for the answer as JSON, and, since the questions use the
synchronous Neo4j driver, for handing the question to a worker thread and back so the
event loop keeps serving other requests while it runs. This server does only that, with
the same parts as ``stackgraph serve`` (uvicorn, uvloop, httptools, orjson), and nothing
else: no GraphQL, no guard, no routing, no limits.

- ``POST /<question>``: the bench's Python call run in a worker thread (the loop's default
  executor, as ``api.graphql.context.in_thread`` does), its pydantic answer dumped as
  ``{"data": ...}`` with pydantic's JSON mode and orjson;
- ``POST /inline/<question>``: the same, run on the event loop's own thread (no worker
  thread: a server built so would stop serving everyone else while a question runs).

The request body is ignored. ``bench api`` runs it (``command``) with the settings of its
Neo4j in the environment.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from graph.db import Graph, open_graph

INLINE = "inline/"


def make_app(graph: Graph, calls: dict[str, Callable[[Graph], Any]]) -> ASGIApp:
    """The ASGI app answering ``calls`` (question name -> Python call) on ``graph``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send, graph)
            return
        while (await receive()).get("more_body"):
            pass
        name = scope["path"].strip("/")
        inline = name.startswith(INLINE)
        call = calls.get(name.removeprefix(INLINE))
        if call is None:
            await _answer(send, 404, b'{"error": "no such question"}')
            return
        if inline:
            answer = call(graph)
        else:
            answer = await asyncio.get_running_loop().run_in_executor(None, call, graph)
        await _answer(send, 200, orjson.dumps({"data": answer.model_dump(mode="json")}))

    return app


async def _lifespan(receive: Receive, send: Send, graph: Graph) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            graph.close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _answer(send: Send, status: int, payload: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


def create_app() -> ASGIApp:
    """uvicorn's factory: the bench's questions on the Neo4j of the environment's
    settings (``STACKGRAPH_HOME``, ``STACKGRAPH_BOLT_PORT``, ...)."""
    from bench.api import question_queries

    return make_app(open_graph(), {name: call for name, call, _ in question_queries()})


def command(python: str, port: int) -> list[str]:
    """The command that serves it on ``127.0.0.1:port``."""
    return [python, "-m", "uvicorn", "--factory", "bench.least_server:create_app",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
