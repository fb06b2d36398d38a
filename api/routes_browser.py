"""The Neo4j Browser guide and style sheet, served by the API so the Browser can
``:play`` the guide and the style can be fetched by URL."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse

from api import browser_guide
from api.deps import GraphDep
from api.graphql.context import in_thread

router = APIRouter()


@router.get("/browser/guide.html", response_class=HTMLResponse,
            summary="Neo4j Browser guide: the questions as clickable Cypher (`:play` it).")
async def guide(request: Request, graph: GraphDep) -> HTMLResponse:
    base = str(request.base_url).rstrip("/")
    text = await in_thread(browser_guide.guide_html, graph, base)
    # the Browser fetches guides cross-origin
    return HTMLResponse(text, headers={"Access-Control-Allow-Origin": "*"})


@router.get("/browser/style.grass", response_class=PlainTextResponse,
            summary="GraSS style sheet for Neo4j Browser (colours and captions per label).")
def style() -> PlainTextResponse:
    return PlainTextResponse(browser_guide.grass(),
                             headers={"Access-Control-Allow-Origin": "*"})


@router.options("/browser/guide.html", include_in_schema=False)
@router.options("/browser/style.grass", include_in_schema=False)
def preflight(request: Request) -> Response:
    """The CORS preflight Neo4j Browser sends before fetching a guide from another origin
    (its fetch carries headers that are not "simple"): without this answer the Browser
    reports "No guide by that name". Read-only content, so any origin may fetch it."""
    asked = request.headers.get("access-control-request-headers", "")
    return Response(status_code=204, headers={
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, OPTIONS",
        "Access-Control-Allow-Headers": asked or "*",
        "Access-Control-Max-Age": "600",
    })
