"""GraphiQL served from the vendored copies of React, GraphiQL and its explorer plugin
(``api/static/vendor/graphiql/``, pinned npm packages), so the page works without
internet; Strawberry's own page loads them from a CDN. The example queries of
``docs/graphql.md`` open as tabs, one click away (tests run the same queries).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.graphql.router import StackgraphRouter

ROOT = Path(__file__).resolve().parent.parent
PAGE = Path(__file__).with_name("static") / "graphiql.html"
EXAMPLES = ROOT / "docs" / "graphql.md"
_GRAPHQL_BLOCK = re.compile(r"^```graphql\n(.*?)^```", re.S | re.M)


def example_queries(doc: Path = EXAMPLES) -> list[str]:
    """The ``graphql`` blocks of the GraphQL documentation page, in order."""
    if not doc.exists():  # an installed copy without docs: GraphiQL opens empty
        return []
    return [m.group(1).strip() + "\n" for m in _GRAPHQL_BLOCK.finditer(doc.read_text("utf-8"))]


@lru_cache(maxsize=1)
def graphiql_page() -> str:
    tabs = json.dumps([{"query": q} for q in example_queries()], ensure_ascii=False)
    # inside <script>: no "</" may close it early
    return PAGE.read_text("utf-8").replace("__EXAMPLES__", tabs.replace("</", "<\\/"))


class GraphiQLRouter(StackgraphRouter):
    """The GraphQL router, with the offline GraphiQL page instead of Strawberry's."""

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_page())
