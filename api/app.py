"""The FastAPI application: GraphQL at ``/graphql``, the dashboard, the Neo4j Browser
guide and style, health checks.

``create_app(settings)`` builds an app; nothing connects at import. The lifespan opens
one driver for the process (without waiting for Neo4j: the API starts even when Neo4j is
down, answers 503 ``NEO4J_UNAVAILABLE`` meanwhile, and recovers by itself when Neo4j is
back, since the driver reconnects on the next query) and closes it on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import get_context, get_graph, open_api_graph
from api.errors import (
    http_error_handler,
    public_error,
    request_id_of,
    stackgraph_error_handler,
    validation_error_handler,
)
from api.graphiql import GraphiQLRouter
from api.graphql.compiled import CompiledPages
from api.graphql.compiled_questions import CompiledQuestions
from api.graphql.context import READER_THREADS
from api.graphql.lane import CompiledLane
from api.graphql.limits import Pricing
from api.graphql.mutation import Mutation
from api.graphql.schema import build_schema
from api.guard import Guard
from api.settings import ApiSettings, make_settings
from graph.db import Graph, schema_present
from graph.errors import StackgraphError

log = logging.getLogger("stackgraph.api")

STATIC = Path(__file__).with_name("static")


def create_app(settings: ApiSettings | None = None, graph: Graph | None = None) -> FastAPI:
    """The app. ``graph`` lets a caller (tests, ``stackgraph up``) hand in an open graph;
    otherwise the lifespan opens one from the settings."""
    settings = settings or make_settings()
    settings.check()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # the threads of the driver's blocking work (api/graphql/context.py:
        # in_thread), owned here and shut down with the app
        readers = ThreadPoolExecutor(READER_THREADS, thread_name_prefix="stackgraph-read")
        asyncio.get_running_loop().set_default_executor(readers)
        own = graph is None
        app.state.graph = graph
        if own:
            try:
                app.state.graph = open_api_graph(settings)
            except StackgraphError as exc:  # not set up yet: retried per request
                log.warning("Neo4j not available at startup: %s", exc.message)
        try:
            yield
        finally:
            if own and app.state.graph is not None:
                app.state.graph.close()
            readers.shutdown(wait=True)

    app = FastAPI(title="stackgraph", lifespan=lifespan,
                  description="A knowledge graph of the AI stack: GraphQL at /graphql, "
                              "consortium exposure at /exposure/consortia.json|.csv.")
    app.state.settings = settings
    app.add_exception_handler(StackgraphError, stackgraph_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)

    # the traversal pricing (mean out-degree, measures of operations): the app's own,
    # shared by its schema, its compiled path and its requests' contexts
    app.state.pricing = pricing = Pricing()
    schema = build_schema(settings.limits, mutation=Mutation, pricing=pricing)
    # A request is answered one of two ways: the compiled path (api/graphql/lane.py:
    # page queries of plain fields by one Cypher projection, compiled.py; one-question
    # operations with the answer written straight into the response,
    # compiled_questions.py), or plain Strawberry (the router). The plan caches are the
    # app's own.
    app.state.compiled_pages = CompiledPages(schema.graphql_schema, settings.limits, pricing)
    app.state.compiled_questions = CompiledQuestions(schema, settings.limits, pricing)
    router = GraphiQLRouter(schema, context_getter=get_context, graphql_ide="graphiql")
    app.include_router(router, prefix="/graphql")
    app.add_middleware(CompiledLane, path="/graphql", pages=app.state.compiled_pages,
                       questions=app.state.compiled_questions, schema=schema,
                       encode=router.encode_json)
    # outermost: request ids, rate and size limits, the wall-clock budget, one error
    # shape (api/guard.py); every request passes it before anything else runs
    app.add_middleware(Guard, settings=settings, graphql_path="/graphql")

    @app.get("/healthz", summary="The process is up (does not touch Neo4j).")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="Neo4j is reachable and the schema is present.")
    def readyz(request: Request) -> JSONResponse:
        try:
            g = get_graph(request)
            g.ping()
            missing = schema_present(g)
        except StackgraphError as exc:
            shown = public_error(exc, request_id_of(request.scope))
            return JSONResponse({"status": "unavailable", "code": shown.code,
                                 "message": shown.message, "hint": shown.hint},
                                status_code=503)
        if missing:
            return JSONResponse({"status": "unavailable", "code": "SCHEMA_MISSING",
                                 "message": f"missing constraints/indexes: {missing}",
                                 "hint": "run `stackgraph db start` (it applies the schema)"},
                                status_code=503)
        return JSONResponse({"status": "ready"})

    from api import dashboard, entity_page, routes_browser

    app.include_router(dashboard.router)
    app.include_router(entity_page.router)
    app.include_router(routes_browser.router)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app

