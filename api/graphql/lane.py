"""The compiled path's entry: a POST to ``/graphql`` that a compiled plan answers (an
entity page, ``compiled.py``; one question, ``compiled_questions.py``) is answered here,
in one ASGI layer, before FastAPI's routing, dependencies and Strawberry's HTTP view.

A GraphQL request is answered one of two ways: here, or by plain Strawberry. The lane
decides before it runs anything: the body is a JSON object with a ``query`` the plan
cache knows, maybe ``variables`` (coerced by graphql-core's own rules, the limits
measured on them) and an ``operationName`` naming the one operation, no
``extensions``. Everything else passes through untouched, the body replayed: GET
(GraphiQL), other paths, batches, a body that is not a JSON object, no plan, variables
that do not coerce, an authentication failure.

Why a layer of its own: the plumbing in front of Strawberry cost ~1 ms per request
in-process (route matching over every route, the context dependency, Strawberry's
request adapter, body parsing, operation checks, ``process_result``, the response
object), as much as a small question's whole GraphQL overhead budget (``foreignStakes``:
~8 ms in Python, so 20 % is ~1.7 ms).

Once a plan runs, the lane answers: the data as Strawberry would give it
(``{"data": ...}`` encoded by the router's ``encode_json``, same headers), or the
question's own domain error in Strawberry's words (message, location, path, code and
hint; 503 with ``Retry-After`` when Neo4j is down), so a failed question runs once. Only
a surprise in the data (``Fallback``) or a bug hands the request to Strawberry after a
run. Answers are never cached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import orjson
from graphql import GraphQLNonNull, located_error
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import get_graph, get_principal
from api.errors import request_id_of
from api.graphql.compiled import CompiledPages, PagePlan
from api.graphql.compiled_questions import CompiledQuestions, QuestionPlan
from api.graphql.context import Context, in_thread
from api.graphql.limits import add_code, unavailable
from api.graphql.plans import NotCompiled
from api.guard import replay
from graph.errors import StackgraphError

log = logging.getLogger("stackgraph.api")

#: Request keys besides ``query`` the lane understands (``extensions`` only empty).
_KEYS = {"query", "variables", "operationName", "extensions"}


class CompiledLane:
    """ASGI middleware answering compiled ``/graphql`` POSTs; see the module doc."""

    def __init__(self, app: ASGIApp, path: str, pages: CompiledPages,
                 questions: CompiledQuestions, schema: Any,
                 encode: Callable[[object], str | bytes]) -> None:
        self.app = app
        self.path = path
        self.pages = pages
        self.questions = questions
        self.schema = schema  # the Strawberry schema: its error logging
        self.encode = encode
        #: requests the lane answered (tests check the compiled path was taken)
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
        except Exception:  # noqa: BLE001 - Strawberry answers (or reports) it
            log.debug("the compiled lane gave way to Strawberry", exc_info=True)
        if answered:
            self.answered += 1
            return
        await self.app(scope, replay(messages, receive), send)

    def _plan(self, body: bytes) -> tuple[PagePlan | QuestionPlan, Any] | None:
        """The plan of the request and its bound arguments, or None (Strawberry)."""
        request = orjson.loads(body)  # ~7x json.loads; what it refuses: Strawberry
        if not isinstance(request, dict) or not isinstance(request.get("query"), str):
            return None
        if set(request) - _KEYS or request.get("extensions"):
            return None
        variables = request.get("variables")
        if variables is not None and not isinstance(variables, dict):
            return None
        query = request["query"]
        plan: PagePlan | QuestionPlan | None = self.pages.plan(query)
        if plan is None:
            plan = self.questions.plan(query)
        if plan is None:
            return None
        name = request.get("operationName")
        if name is not None and name != plan.operation.name:
            return None
        try:
            return plan, plan.bind(variables)
        except NotCompiled:
            return None

    async def _answer(self, scope: Scope, body: bytes, send: Send) -> bool:
        """Answer the request and return True, or return False (nothing sent)."""
        if not _is_json(scope):
            return False
        found = self._plan(body)
        if found is None:
            return False
        plan, bound = found
        http_request = Request(scope)
        settings = http_request.app.state.settings
        principal = await get_principal(http_request, settings)  # raises: Strawberry
        graph = get_graph(http_request)
        status, headers = 200, []
        if isinstance(plan, PagePlan):
            answer: dict[str, Any] = {"data": await in_thread(plan.run, graph, bound)}
        else:
            try:
                context = Context(graph, settings, principal,
                                  http_request.app.state.pricing)
                answer = {"data": await plan.run(context, bound)}
            except StackgraphError as exc:
                answer, unavailable_now = self._error(scope, plan, exc)
                if unavailable_now:
                    status, headers = 503, [(b"retry-after", b"5")]
        content = self.encode(answer)
        payload = content if isinstance(content, bytes) else content.encode()
        # the headers of Strawberry's response (a Starlette Response of media type
        # application/json; its sub-response adds Retry-After on a 503)
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-length", str(len(payload)).encode()),
            (b"content-type", b"application/json"), *headers]})
        await send({"type": "http.response.body", "body": payload})
        return True

    def _error(self, scope: Scope, plan: QuestionPlan, exc: StackgraphError
               ) -> tuple[dict[str, Any], bool]:
        """The answer Strawberry gives when the question field raises ``exc``: graphql-core
        locates the error at the field, ``ErrorCodes`` codes it, the schema logs it."""
        err = located_error(exc, [plan.node], [plan.root_key])
        add_code(err, request_id_of(scope))
        self.schema.process_errors([err])
        data = None if isinstance(plan.field.type, GraphQLNonNull) else {plan.root_key: None}
        return {"data": data, "errors": [err.formatted]}, unavailable([err])


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.split(b";")[0].strip().lower() == b"application/json"
    return False


