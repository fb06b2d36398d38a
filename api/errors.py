"""Domain errors as HTTP answers and as GraphQL error codes: one error shape.

One table maps each public error code to an HTTP status, so the REST endpoints and the
GraphQL layer say the same thing: a Neo4j that is down is a 503 with code
``NEO4J_UNAVAILABLE`` everywhere, a bad argument a 400 with ``BAD_ARGUMENT``. The table is
the one in ``docs/api-limits.md`` (a test walks it).

``public_error`` is the one gate between an error and a client: a code outside the
table (a Neo4j error the API did not expect, a Python exception) becomes
``INTERNAL_ERROR`` with the request's id, and the details go to the server log under that
id, never to the client. REST errors are ``{"error": {"code", "message", "hint"}}``;
GraphQL errors carry the same code and hint in ``extensions``.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.errors import StackgraphError

log = logging.getLogger("stackgraph.api")

#: HTTP status of each public error code; anything else is INTERNAL_ERROR, a 500.
HTTP_STATUS: dict[str, int] = {
    "BAD_ARGUMENT": 400,
    "GRAPHQL_VALIDATION": 400,
    "SCHEMA_ERROR": 400,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "DEPTH_LIMIT": 400,
    "COMPLEXITY_LIMIT": 400,
    "PAGE_SIZE_LIMIT": 400,
    "HOPS_LIMIT": 400,
    "FANOUT_LIMIT": 400,
    "REQUEST_TOO_LARGE": 413,
    "RATE_LIMITED": 429,
    "INTERNAL_ERROR": 500,
    "NEO4J_UNAVAILABLE": 503,
    "NEO4J_AUTH_FAILED": 503,
    "SCHEMA_MISSING": 503,
    "QUERY_TIMEOUT": 504,
    "TIMEOUT": 504,
}

#: Codes whose message may carry driver text (addresses, driver exception text): the
#: client gets a fixed message, the log the original.
_FIXED_MESSAGE = {
    "NEO4J_UNAVAILABLE": "Neo4j is not reachable; the API answers again by itself when it "
                         "is back",
    "NEO4J_AUTH_FAILED": "Neo4j refused the API's credentials",
}

#: ``scope["state"]`` key of the request id (set by api.guard)
REQUEST_ID = "request_id"


class ApiError(StackgraphError):
    """An error raised by the API layer itself, with its code given per instance
    (a limit, a missing key)."""

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.code = code


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_of(scope: Any) -> str:
    """The request's id (api.guard sets it; a new one when the guard did not run)."""
    state = scope.setdefault("state", {}) if isinstance(scope, dict) else {}
    rid = state.get(REQUEST_ID)
    if not rid:
        rid = state[REQUEST_ID] = new_request_id()
    return str(rid)


def internal(request_id: str) -> ApiError:
    return ApiError("INTERNAL_ERROR", f"internal error (request id {request_id})",
                    hint="the details are in the server log under this request id; "
                         "retry, or report it with the id")


def public_error(exc: BaseException, request_id: str) -> ApiError | StackgraphError:
    """What a client may see of ``exc``: a domain error with a public code as it is
    (driver text replaced for Neo4j outages), anything else ``INTERNAL_ERROR`` with the
    request id, logged here with its traceback under that id."""
    if isinstance(exc, StackgraphError) and exc.code in HTTP_STATUS \
            and exc.code != "INTERNAL_ERROR":
        fixed = _FIXED_MESSAGE.get(exc.code)
        if fixed is None:
            return exc
        log.warning("request %s: %s: %s", request_id, exc.code, exc.message)
        return ApiError(exc.code, fixed, exc.hint)
    log.error("request %s: internal error", request_id, exc_info=exc)
    return internal(request_id)


def status_for(exc: StackgraphError) -> int:
    return HTTP_STATUS.get(exc.code, 500)


def error_body(exc: StackgraphError) -> dict[str, object]:
    return {"error": {"code": exc.code, "message": exc.message, "hint": exc.hint}}


def error_response(exc: StackgraphError, headers: dict[str, str] | None = None
                   ) -> JSONResponse:
    status = status_for(exc)
    headers = dict(headers or {})
    if status == 503:
        headers.setdefault("Retry-After", "5")
    return JSONResponse(error_body(exc), status_code=status, headers=headers or None)


async def stackgraph_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI exception handler: a domain error as JSON with its status."""
    return error_response(public_error(exc, request_id_of(request.scope)))


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 for a bad query parameter, as the documented 400 ``BAD_ARGUMENT``."""
    assert isinstance(exc, RequestValidationError)
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body"))
        parts.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
    return error_response(ApiError("BAD_ARGUMENT", "; ".join(parts) or "invalid request",
                                   hint="see /docs for each parameter's type and format "
                                        "(dates are YYYY-MM-DD)"))


#: Codes of plain HTTP errors (routing, methods) in the one shape
_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "REQUEST_TOO_LARGE",
               401: "UNAUTHENTICATED", 403: "FORBIDDEN"}


def code_for_status(status: int) -> str:
    if status >= 500:
        return "INTERNAL_ERROR"
    return _HTTP_CODES.get(status, "BAD_ARGUMENT")


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's HTTP errors (unknown path, wrong method) in the one shape."""
    assert isinstance(exc, StarletteHTTPException)
    code = code_for_status(exc.status_code)
    if code == "INTERNAL_ERROR":
        return error_response(public_error(exc, request_id_of(request.scope)))
    return JSONResponse({"error": {"code": code, "message": str(exc.detail), "hint": None}},
                        status_code=exc.status_code, headers=exc.headers)
