"""The compiled lane: a plain POST to ``/graphql`` that a compiled plan answers (an entity
page, ``compiled.py``; one question, ``compiled_questions.py``) is answered here, in one
ASGI layer, before FastAPI's routing, dependencies and Strawberry's HTTP view.

That plumbing cost ~1 ms per request in-process (route matching over every route, the
context dependency, Strawberry's request adapter, body parsing, operation checks,
``process_result``, the response object), as much as a small question's whole GraphQL
overhead budget (``foreignStakes``: ~8 ms in Python, so 20 % is ~1.7 ms). The lane does
only what such a request needs: read the JSON body, look up the plan (per query text,
the same objects the router uses), check who is asking exactly as ``get_principal``
does, build the same ``Context``, run the plan, and send the body Strawberry would
(``{"data": ...}`` encoded by the router's own ``encode_json``) with the same headers.

Everything else passes through untouched, the body replayed: GET (GraphiQL), other
paths, variables, operation names, extensions, batches, a body that is not a JSON object,
no plan, an authentication failure, and any exception from the plan (an error in the
question, Neo4j down, a surprise in the data), so the normal path answers — or reports
the error, with its code and status — exactly as before. Answers are never cached.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from starlette.requests import Request

from api.deps import get_graph, get_principal
from api.graphql.compiled import CompiledPages
from api.graphql.compiled_questions import CompiledQuestions
from api.graphql.context import REPLAY, Context, in_thread

log = logging.getLogger("stackgraph.api")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Request keys the lane understands; any other (variables, operationName, extensions
#: with content) goes through the normal path.
_EMPTY_OK = ("variables", "operationName", "extensions")


class CompiledLane:
    """ASGI middleware answering compiled ``/graphql`` POSTs; see the module doc."""

    def __init__(self, app: ASGIApp, path: str, pages: CompiledPages,
                 questions: CompiledQuestions, encode: Callable[[object], str | bytes]
                 ) -> None:
        self.app = app
        self.path = path
        self.pages = pages
        self.questions = questions
        self.encode = encode
        #: requests the lane answered (tests check the lane was taken)
        self.answered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] != "POST"
                or scope["path"] != self.path):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        answered = False
        try:
            answered = await self._answer(scope, body, send)
        except Exception:  # noqa: BLE001 - the normal path answers (or reports) it
            log.debug("the compiled lane gave way to the normal path", exc_info=True)
        if answered:
            self.answered += 1
            return
        await self.app(scope, _replay(messages, receive), send)

    async def _answer(self, scope: Scope, body: bytes, send: Send) -> bool:
        """Answer the request and return True, or return False (nothing sent)."""
        if not _is_json(scope):
            return False
        request = orjson.loads(body)  # ~7x json.loads; what it refuses: normal path
        if not isinstance(request, dict) or not isinstance(request.get("query"), str):
            return False
        if any(request.get(k) for k in _EMPTY_OK) or set(request) - {"query", *_EMPTY_OK}:
            return False
        query = request["query"]
        page = self.pages.plan(query)
        question = self.questions.plan(query) if page is None else None
        if page is None and question is None:
            return False
        http_request = Request(scope)
        settings = http_request.app.state.settings
        principal = await get_principal(http_request, settings)  # raises: normal path
        graph = get_graph(http_request)
        if page is not None:
            data = await in_thread(page.run, graph)
        else:
            assert question is not None
            context = Context(graph, settings, principal)
            try:
                data = await question.run(context)
            except Exception:
                self.questions.fallbacks += 1
                if context.question_error is not None:
                    # the normal path reports this error without running the question again
                    scope.setdefault("state", {})[REPLAY] = context.question_error
                raise
        content = self.encode({"data": data})
        payload = content if isinstance(content, bytes) else content.encode()
        # the headers of Strawberry's response (a Starlette Response of media type
        # application/json; FastAPI's sub-response adds none here)
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-length", str(len(payload)).encode()),
            (b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": payload})
        return True


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.split(b";")[0].strip().lower() == b"application/json"
    return False


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that hands back the messages already read, then the real one."""
    pending = list(messages)

    async def again() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()
    return again
