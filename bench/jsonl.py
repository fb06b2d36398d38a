"""Write records as APOC JSON lines, the interchange format of DESIGN section 6.

The shape is APOC's ``apoc.export.json`` with ``jsonFormat: 'JSON_LINES'``: one object a
line, nodes first (``{"type":"node","id":"0","labels":[...],"properties":{...}}``), then
relationships whose ``start`` / ``end`` name the APOC ids of their nodes. Dates are
written as ``YYYY-MM-DD`` strings, as APOC does.

Streaming: APOC ids are the running node number, so writing a relationship needs the map
stackgraph id -> APOC id. That map (one small int per node) is the only thing held; the
endpoints also carry ``properties: {"id": ...}`` (APOC's ``writeNodeProperties`` shape,
restricted to the key) so a reader can resolve them without holding its own map.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from ingest.records import NodeRecord, RelRecord


def _default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def write_apoc_jsonl(out: IO[str], nodes: Iterable[NodeRecord],
                     rels: Iterable[RelRecord]) -> tuple[int, int]:
    """Write nodes then relationships to ``out``; returns (nodes, relationships) written."""
    apoc_ids: dict[str, tuple[int, str]] = {}
    n = 0
    for node in nodes:
        apoc_ids[node.id] = (n, node.label)
        props = {"id": node.id, **node.props}
        out.write(json.dumps({"type": "node", "id": str(n), "labels": [node.label],
                              "properties": props}, default=_default,
                             separators=(",", ":")) + "\n")
        n += 1
    r = 0
    for rel in rels:
        s_id, s_label = apoc_ids[rel.source]
        t_id, t_label = apoc_ids[rel.target]
        out.write(json.dumps({
            "type": "relationship", "id": str(r), "label": rel.type,
            "properties": rel.props,
            "start": {"id": str(s_id), "labels": [s_label], "properties": {"id": rel.source}},
            "end": {"id": str(t_id), "labels": [t_label], "properties": {"id": rel.target}},
        }, default=_default, separators=(",", ":")) + "\n")
        r += 1
    return n, r


def write_file(path: Path, nodes: Iterable[NodeRecord],
               rels: Iterable[RelRecord]) -> tuple[int, int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        return write_apoc_jsonl(out, nodes, rels)
