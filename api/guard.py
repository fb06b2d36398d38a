"""The API's outer guard: what every request passes before anything else runs.

One ASGI middleware, outermost (inside only Starlette's own error middleware), that for
each HTTP request, in this order:

1. gives it a request id (``X-Request-Id``, echoed in the response; an unexpected error
   is logged under it and the client gets only the id, ``api.errors.public_error``);
2. applies the rate limit of its API key, or of its client address when no key is sent
   (``STACKGRAPH_RATE_LIMIT``; the `limits` library's moving window, in memory per
   process): over it, HTTP 429 ``RATE_LIMITED`` with ``Retry-After``;
3. reads the body up to ``max_body_bytes`` (a larger ``Content-Length`` is refused
   before reading) and, for ``/graphql``, checks the query text's length, its number of
   tokens (graphql-core's parser with ``max_tokens``, only when the text is longer than
   the limit, since a token is at least one character) and the variables' size: over a
   limit, HTTP 413 ``REQUEST_TOO_LARGE``;
4. runs the request within ``request_timeout`` seconds of wall clock, reading the body
   included: over it, ``TIMEOUT`` (504; 408 while the client was still sending its body);
5. makes sure every error response carries a code: an error answer without one (a
   plain-text 400 from Strawberry, a route's bare 500) is replaced by the one shape.

Refusals are answered in the shape of the endpoint: ``{"errors": [{"message",
"extensions": {"code", "hint"}}]}`` on ``/graphql``, ``{"error": {"code", "message",
"hint"}}`` elsewhere. ``/healthz`` and ``/readyz`` are not rate limited.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from typing import Any
from urllib.parse import parse_qs

import orjson
from graphql import GraphQLError, Source
from graphql.language.parser import Parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import (
    REQUEST_ID,
    ApiError,
    code_for_status,
    internal,
    new_request_id,
    public_error,
    status_for,
)
from api.settings import ApiSettings
from graph.errors import StackgraphError

log = logging.getLogger("stackgraph.api")

#: Paths never rate limited (orchestrators' probes)
UNLIMITED = ("/healthz", "/readyz")
#: ``scope["state"]`` key of the request's deadline (an ``asyncio.Timeout``): a resolver
#: that legitimately runs long (the admin ``ingest`` mutation) may lift it
DEADLINE = "deadline"
#: Largest error body inspected for a code (error bodies are small; a larger one passes)
_ERROR_BODY_MAX = 64 << 10


class RateLimiter:
    """A rate per key with the `limits` library (moving window, in process memory)."""

    def __init__(self, rate: str) -> None:
        from limits import parse
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        self.rate = rate
        self.item = parse(rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, key: str) -> int | None:
        """None when the request may go on (and counts it), else seconds to wait."""
        if self.limiter.hit(self.item, key):
            return None
        reset = self.limiter.get_window_stats(self.item, key).reset_time
        return max(1, math.ceil(reset - time.time()))


def lift_deadline(context: Any) -> None:
    """Let this request run past ``request_timeout`` (the admin ``ingest`` mutation: a
    load answers when it is done, and cancelling the wait would not stop the load)."""
    request = getattr(context, "request", None)
    deadline = request.scope.get("state", {}).get(DEADLINE) if request is not None else None
    if deadline is not None:
        deadline.reschedule(None)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def rate_key(scope: Scope, settings: ApiSettings) -> str:
    """The API key (hashed: never kept as given) when keys are on and one is sent, else
    the client address."""
    if settings.keys_required:
        key = _header(scope, b"x-api-key")
        if key:
            return "key:" + hashlib.sha256(key).hexdigest()[:32]
    client = scope.get("client")
    return "addr:" + (client[0] if client else "?")


def count_tokens_over(query: str, limit: int) -> bool:
    """True when ``query`` has more than ``limit`` GraphQL tokens (graphql-core's parser
    limit; a syntax error below the limit is left to the GraphQL layer to report)."""
    if len(query) <= limit:  # every token is at least one character
        return False
    try:
        Parser(Source(query), max_tokens=limit).parse_document()
    except GraphQLError as exc:
        return "tokens" in exc.message and "Parsing aborted" in exc.message
    return False


def check_graphql(payload: Any, settings: ApiSettings) -> ApiError | None:
    """The size limits of one GraphQL request (or each of a batch)."""
    limits = settings.limits
    for request in payload if isinstance(payload, list) else [payload]:
        if not isinstance(request, dict):
            continue
        query = request.get("query")
        if isinstance(query, str):
            if len(query) > limits.max_query_chars:
                return too_large(f"the query text has {len(query)} characters; the limit "
                                 f"is {limits.max_query_chars}", "send a shorter query")
            if count_tokens_over(query, limits.max_tokens):
                return too_large(f"the query has more than {limits.max_tokens} tokens",
                                 "send a smaller query (fewer fields or aliases)")
        variables = request.get("variables")
        if variables:
            size = (len(variables) if isinstance(variables, str)
                    else len(orjson.dumps(variables)))
            if size > limits.max_variables_bytes:
                return too_large(f"the variables take {size} bytes; the limit is "
                                 f"{limits.max_variables_bytes}",
                                 "send smaller variable values")
    return None


def too_large(message: str, hint: str) -> ApiError:
    return ApiError("REQUEST_TOO_LARGE", message, hint=hint)


class _BodyTooLarge(Exception):
    pass


class Guard:
    """ASGI middleware; see the module doc."""

    def __init__(self, app: ASGIApp, settings: ApiSettings, graphql_path: str = "/graphql"
                 ) -> None:
        self.app = app
        self.settings = settings
        self.graphql_path = graphql_path
        rate = settings.rate_limit
        self.limiter = RateLimiter(rate) if rate else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _header(scope, b"x-request-id")
        request_id = (rid.decode("latin-1") if rid and len(rid) <= 64 and rid.isascii()
                      and rid.replace(b"-", b"").isalnum() else new_request_id())
        scope.setdefault("state", {})[REQUEST_ID] = request_id
        graphql = scope["path"] == self.graphql_path
        state = _Response(send, request_id, graphql)

        if self.limiter is not None and scope["path"] not in UNLIMITED:
            wait = self.limiter.retry_after(rate_key(scope, self.settings))
            if wait is not None:
                await state.refuse(ApiError(
                    "RATE_LIMITED", f"over the rate limit of {self.limiter.rate}",
                    hint=f"retry after {wait} s"), {"Retry-After": str(wait)})
                return
        limits = self.settings.limits
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > limits.max_body_bytes:
            await state.refuse(too_large(f"the request body has {int(length)} bytes; the "
                                         f"limit is {limits.max_body_bytes}",
                                         "send a smaller request"))
            return
        try:
            async with asyncio.timeout(limits.request_timeout) as deadline:
                scope["state"][DEADLINE] = deadline
                await self._guarded(scope, receive, state)
        except TimeoutError as exc:
            if not deadline.expired():  # a timeout of something inside, not the budget
                await self._failed(exc, state, request_id)
                return
            if not state.started:
                reading = not state.body_read
                await state.refuse(ApiError(
                    "TIMEOUT", "the client sent its request too slowly" if reading else
                    f"the request ran past its {limits.request_timeout:g} s budget",
                    hint="send the request at once" if reading else
                    "ask for less (fewer fields, smaller pages, fewer hops)"),
                    status=408 if reading else None)
            else:
                log.warning("request %s ran past its budget after its answer began",
                            request_id)
        except Exception as exc:  # noqa: BLE001 - the one place that answers the unexpected
            await self._failed(exc, state, request_id)

    async def _failed(self, exc: Exception, state: _Response, request_id: str) -> None:
        if state.started:
            log.error("request %s failed after its answer began", request_id, exc_info=exc)
            raise exc
        await state.refuse(public_error(exc, request_id))

    async def _guarded(self, scope: Scope, receive: Receive, state: _Response) -> None:
        limits = self.settings.limits
        if scope["method"] in ("POST", "PUT", "PATCH"):
            try:
                messages, body = await _read_body(receive, limits.max_body_bytes)
            except _BodyTooLarge:
                await state.refuse(too_large(f"the request body is over "
                                             f"{limits.max_body_bytes} bytes",
                                             "send a smaller request"))
                return
            state.body_read = True
            if state.graphql and body:
                try:
                    payload = orjson.loads(body)
                except orjson.JSONDecodeError:
                    payload = None  # not JSON (a form, a file): the GraphQL view decides
                error = check_graphql(payload, self.settings)
                if error is not None:
                    await state.refuse(error)
                    return
            receive = replay(messages, receive)
        else:
            state.body_read = True
            if state.graphql and scope.get("query_string"):
                params = parse_qs(scope["query_string"].decode("latin-1"))
                payload = {"query": (params.get("query") or [None])[0],
                           "variables": (params.get("variables") or [None])[0]}
                error = check_graphql(payload, self.settings)
                if error is not None:
                    await state.refuse(error)
                    return
        await self.app(scope, receive, state.send)


async def _read_body(receive: Receive, limit: int) -> tuple[list[Message], bytes]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


def replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that hands back the messages already read, then the real one (the
    guard and the GraphQL lane both read a body before passing the request on)."""
    pending = list(messages)

    async def again() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()
    return again


class _Response:
    """The response side of one request: sends refusals in the endpoint's shape, adds
    the request id, and replaces an error answer that carries no code."""

    def __init__(self, send: Send, request_id: str, graphql: bool) -> None:
        self._send = send
        self.request_id = request_id
        self.graphql = graphql
        self.started = False
        self.body_read = False
        self._held: Message | None = None  # an error's start, held until its body is seen
        self._held_body = b""

    async def refuse(self, exc: StackgraphError, headers: dict[str, str] | None = None,
                     status: int | None = None) -> None:
        code = exc.code
        if self.graphql:
            ext: dict[str, Any] = {"code": code}
            if exc.hint:
                ext["hint"] = exc.hint
            body: Any = {"data": None,
                         "errors": [{"message": exc.message, "extensions": ext}]}
        else:
            body = {"error": {"code": code, "message": exc.message, "hint": exc.hint}}
        payload = orjson.dumps(body)
        raw = [(b"content-type", b"application/json"),
               (b"content-length", str(len(payload)).encode()),
               (b"x-request-id", self.request_id.encode())]
        if status_for(exc) == 503:
            raw.append((b"retry-after", b"5"))
        raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        self.started = True
        await self._send({"type": "http.response.start",
                          "status": status or status_for(exc), "headers": raw})
        await self._send({"type": "http.response.body", "body": payload})

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            headers = list(message.get("headers", []))
            headers.append((b"x-request-id", self.request_id.encode()))
            message = {**message, "headers": headers}
            if message["status"] >= 400:
                self._held = message  # checked for a code once its body is seen
                return
        elif message["type"] == "http.response.body" and self._held is not None:
            self._held_body += message.get("body", b"")
            if message.get("more_body", False) and len(self._held_body) <= _ERROR_BODY_MAX:
                return
            start, body, self._held = self._held, self._held_body, None
            if len(body) <= _ERROR_BODY_MAX and not _has_code(body):
                await self._replace(start["status"], body)
                return
            await self._send(start)
            message = {**message, "body": body}
        await self._send(message)

    async def _replace(self, status: int, body: bytes) -> None:
        code = code_for_status(status)
        if code == "INTERNAL_ERROR":
            log.error("request %s: a %d answer without a code: %r", self.request_id,
                      status, body[:2000])
            exc: StackgraphError = internal(self.request_id)
        else:
            text = body.decode("utf-8", "replace").strip()
            try:
                parsed = orjson.loads(body)
                text = str(parsed.get("detail", text)) if isinstance(parsed, dict) else text
            except orjson.JSONDecodeError:
                pass
            exc = ApiError(code, text[:500] or f"HTTP {status}")
        self.started = False
        await self.refuse(exc, status=status)


def _has_code(body: bytes) -> bool:
    """Whether an error body is in the one shape (every error with a code)."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    if not isinstance(parsed, dict):
        return False
    error = parsed.get("error")
    if isinstance(error, dict) and error.get("code"):
        return True
    if parsed.get("status") and parsed.get("code"):  # /readyz
        return True
    errors = parsed.get("errors")
    return bool(errors) and isinstance(errors, list) and all(
        isinstance(e, dict) and isinstance(e.get("extensions"), dict)
        and e["extensions"].get("code") for e in errors)
