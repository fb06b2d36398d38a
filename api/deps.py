"""FastAPI dependencies shared by the routers: settings, the graph, who is asking.

The API key is read from the ``X-API-Key`` header, compared in constant time and never
logged; on an open loopback API (no keys configured) every caller is ``local``.
"""

from __future__ import annotations

import logging
import secrets
from typing import Annotated

from fastapi import Depends, Request

from api.errors import ApiError
from api.graphql.context import Context
from api.settings import ApiSettings
from graph.db import Graph, open_graph

log = logging.getLogger("stackgraph.api")

KEY_HEADER = "X-API-Key"


async def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


def get_graph(request: Request) -> Graph:
    graph: Graph | None = getattr(request.app.state, "graph", None)
    if graph is None:
        # the lifespan could not even open a driver (e.g. managed server never set up):
        # try again now, so the API recovers without a restart
        graph = open_api_graph(request.app.state.settings)
        request.app.state.graph = graph
    return graph


async def get_principal(request: Request,
                  settings: Annotated[ApiSettings, Depends(get_settings)]) -> str:
    """Who is asking: ``read`` or ``admin`` by key, or ``local`` on an open loopback API.

    The key is compared in constant time and never logged."""
    if not settings.keys_required:
        return "local"
    given = request.headers.get(KEY_HEADER)
    if not given:
        raise ApiError("UNAUTHENTICATED", f"an API key is required in the {KEY_HEADER} "
                       "header", hint="ask the operator for a read or admin key")
    for key in settings.keys:
        if secrets.compare_digest(given.encode(), key.key.encode()):
            return key.kind
    log.warning("rejected a request with an unknown API key from %s",
                request.client.host if request.client else "?")
    raise ApiError("UNAUTHENTICATED", "unknown API key", hint=f"check the {KEY_HEADER} header")


async def graph_dep(request: Request) -> Graph:
    """``get_graph`` as a dependency. The dependencies are ``async`` although they never
    await: FastAPI runs a plain ``def`` dependency in the thread pool, a thread hop per
    dependency per request (they only read app state; opening a driver does not
    connect)."""
    return get_graph(request)


Principal = Annotated[str, Depends(get_principal)]
GraphDep = Annotated[Graph, Depends(graph_dep)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]


def open_api_graph(settings: ApiSettings) -> Graph:
    """The API's driver: retries of a failed transaction are cut short (2 s instead of the
    driver's 30 s), so a down Neo4j answers 503 promptly instead of hanging requests."""
    graph = open_graph(settings.graph, check=False, max_transaction_retry_time=2.0,
                       connection_timeout=3.0)
    graph.timeout = settings.query_timeout
    return graph


async def get_context(request: Request) -> Context:
    """The GraphQL context: the same graph, settings and principal as the dependencies
    above, computed in one dependency (FastAPI resolving four nested ones cost ~0.2 ms
    of every request)."""
    settings: ApiSettings = request.app.state.settings
    return Context(get_graph(request), settings, await get_principal(request, settings),
                   request.app.state.pricing)
