"""Turn paths as the ``.cypher`` files return them into explained ``Hop`` values.

Convention of every path query: a path is ``nodes`` (maps {id, name, label}) and ``rels``
(maps {type, start, props}), ``rels[i]`` joining ``nodes[i]`` and ``nodes[i+1]``;
``start`` is the id of the relationship's stored start node, so the hop's direction is
known. Source titles come from one extra look-up for all paths of an answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from graph.db import Graph, cypher
from graph.values import plain
from queries.models import EntityRef, Hop, SourceRef

PROVENANCE = {"sources", "confidence"}


def entity(node: dict[str, Any]) -> EntityRef:
    return EntityRef(id=node["id"], name=node.get("name") or node["id"],
                     label=node.get("label") or "Entity")


def source_titles(graph: Graph, paths: Iterable[list[dict[str, Any]]]) -> dict[str, str]:
    ids = sorted({s for rels in paths for r in rels for s in (r["props"].get("sources") or [])})
    if not ids:
        return {}
    rows = graph.read(cypher(__file__, "source_titles"), {"ids": ids}, plain=True)
    return {sid: title for sid, title in rows[0]["sources"]}


def hops(nodes: list[dict[str, Any]], rels: list[dict[str, Any]], titles: dict[str, str],
         factor: Callable[[str, bool, dict[str, Any]], float] | None = None) -> list[Hop]:
    out = []
    for i, rel in enumerate(rels):
        a, b = nodes[i], nodes[i + 1]
        forward = rel["start"] == a["id"]
        props = rel["props"]
        out.append(Hop(
            type=rel["type"], from_id=a["id"], from_name=a.get("name") or a["id"],
            to_id=b["id"], to_name=b.get("name") or b["id"],
            direction="forward" if forward else "backward",
            properties={k: plain(v) for k, v in sorted(props.items()) if k not in PROVENANCE},
            sources=[SourceRef(id=s, title=titles.get(s)) for s in props.get("sources") or []],
            confidence=props.get("confidence"),
            factor=factor(rel["type"], forward, props) if factor else None,
        ))
    return out
