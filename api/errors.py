"""Domain errors as HTTP answers and as GraphQL error codes.

One table maps each ``graph.errors`` code to an HTTP status, so the REST endpoints and
the GraphQL layer say the same thing: a Neo4j that is down is a 503 with code
``NEO4J_UNAVAILABLE`` everywhere, a bad argument a 400 with ``BAD_ARGUMENT``.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from graph.errors import StackgraphError

#: HTTP status of each error code; anything else is a 500.
HTTP_STATUS: dict[str, int] = {
    "BAD_ARGUMENT": 400,
    "SCHEMA_ERROR": 400,
    "NOT_FOUND": 404,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "DEPTH_LIMIT": 400,
    "COMPLEXITY_LIMIT": 400,
    "PAGE_SIZE_LIMIT": 400,
    "HOPS_LIMIT": 400,
    "FANOUT_LIMIT": 400,
    "NEO4J_UNAVAILABLE": 503,
    "NEO4J_AUTH_FAILED": 503,
    "SCHEMA_MISSING": 503,
    "QUERY_TIMEOUT": 504,
}


class ApiError(StackgraphError):
    """An error raised by the API layer itself, with its code given per instance
    (a limit, a missing key)."""

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.code = code


def status_for(exc: StackgraphError) -> int:
    return HTTP_STATUS.get(exc.code, 500)


def error_body(exc: StackgraphError) -> dict[str, object]:
    return {"error": {"code": exc.code, "message": exc.message, "hint": exc.hint}}


async def stackgraph_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI exception handler: a domain error as JSON with its status."""
    assert isinstance(exc, StackgraphError)
    headers = {"Retry-After": "5"} if status_for(exc) == 503 else None
    return JSONResponse(error_body(exc), status_code=status_for(exc), headers=headers)
