"""Write records as APOC JSON lines, the interchange format of DESIGN section 6.

The shape is APOC's ``apoc.export.json`` with ``jsonFormat: 'JSON_LINES'``, exactly as
``ingest.apoc.export_graph`` writes it: one object a line, nodes first
(``{"type":"node","id":"firm:syn-1","labels":["Entity","Firm"],"properties":{...}}``),
then relationships whose ``start`` / ``end`` carry the ids and labels of their nodes.
As in stackgraph's own export, the APOC id *is* the node's ``id``, so nothing needs to be
remembered between lines (the label of an endpoint follows from its id prefix) and
``ingest.apoc.ApocReader`` reads the file back without a map. Dates are ``YYYY-MM-DD``
strings, as APOC writes them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from graph.schema import ENTITY_LABEL, SCHEMA
from ingest.records import NodeRecord, RelRecord


def _default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _labels(node_id: str) -> list[str]:
    label = SCHEMA.label_for_id(node_id)
    if label is None:
        raise ValueError(f"{node_id!r} names no label of the schema")
    return sorted([ENTITY_LABEL, label])


def write_apoc_jsonl(out: IO[str], nodes: Iterable[NodeRecord],
                     rels: Iterable[RelRecord]) -> tuple[int, int]:
    """Write nodes then relationships to ``out``; returns (nodes, relationships) written."""
    n = 0
    for node in nodes:
        out.write(json.dumps({"type": "node", "id": node.id,
                              "labels": sorted([ENTITY_LABEL, node.label]),
                              "properties": {"id": node.id, **node.props}},
                             default=_default, separators=(",", ":")) + "\n")
        n += 1
    r = 0
    for rel in rels:
        out.write(json.dumps({
            "type": "relationship", "id": str(r), "label": rel.type,
            "start": {"id": rel.source, "labels": _labels(rel.source)},
            "end": {"id": rel.target, "labels": _labels(rel.target)},
            "properties": rel.props,
        }, default=_default, separators=(",", ":")) + "\n")
        r += 1
    return n, r


def write_file(path: Path, nodes: Iterable[NodeRecord],
               rels: Iterable[RelRecord]) -> tuple[int, int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        return write_apoc_jsonl(out, nodes, rels)
