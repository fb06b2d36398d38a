"""The dashboard's page per entity, ``/entity/{id}``: the record ``stackgraph show`` prints
(queries/show.py), its neighbourhood drawn as a network (Cytoscape.js, vendored from npm
under ``api/static/vendor/``: the page works offline), and, for a chip, model, data
center or firm, its top diversion paths hop by hop with the sources of each hop.

``/entity/{id}`` is the page (static HTML; its script reads the id from the address);
``/entity/{id}/data`` is its JSON, one request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.deps import GraphDep, Principal
from api.graphql.context import in_thread
from graph.db import Graph

router = APIRouter()

PAGE = Path(__file__).with_name("static") / "entity.html"
#: diversion paths the page draws, best first
TOP_PATHS = 5


def entity_data(graph: Graph, node_id: str) -> dict[str, Any]:
    from queries.diversion import ITEM_LABELS, diversion
    from queries.show import show

    report = show(graph, node_id)
    paths = None
    if report.entity.label in ITEM_LABELS:
        paths = diversion(graph, report.entity.id, limit=TOP_PATHS).model_dump(mode="json")
    return {"report": report.model_dump(mode="json"), "diversion": paths}


@router.get("/entity/{node_id}", include_in_schema=False)
def entity_page(node_id: str) -> FileResponse:
    return FileResponse(PAGE)


@router.get("/entity/{node_id}/data",
            summary="Everything about one entity (as `stackgraph show --json`) and its top "
                    "diversion paths: the data of the /entity page.")
async def entity_json(node_id: str, graph: GraphDep, who: Principal) -> dict[str, Any]:
    return await in_thread(entity_data, graph, node_id)
