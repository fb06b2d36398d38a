"""Batched, idempotent writes: ``UNWIND $rows MERGE`` on the constrained ``id``.

One transaction per batch (rolled back whole on error); labels and relationship types
come from the schema registry, values only as parameters. Provenance merges: a fact seen
again from another source keeps both sources.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from graph.db import Graph
from graph.schema import ENTITY_LABEL, SCHEMA
from ingest.records import NodeRecord, RelRecord

T = TypeVar("T")

DEFAULT_BATCH = 5000


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def node_query(label: str) -> str:
    label = SCHEMA.label(label)
    return (
        "UNWIND $rows AS row\n"
        f"MERGE (n:{label} {{id: row.id}})\n"
        f"SET n:{ENTITY_LABEL}\n"
        "WITH n, row, coalesce(n.sources, []) AS old\n"
        "SET n += row.props\n"
        "SET n.sources = CASE WHEN row.sources IS NULL THEN n.sources\n"
        "  ELSE old + [s IN row.sources WHERE NOT s IN old] END"
    )


def rel_query(rel_type: str) -> str:
    rel = SCHEMA.rel_types[SCHEMA.rel_type(rel_type)]
    key = ", ".join(f"{k}: coalesce(row.key.{k}, '')" for k in rel.merge_key)
    key_map = f" {{{key}}}" if key else ""
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (a:{ENTITY_LABEL} {{id: row.source}})\n"
        f"MATCH (b:{ENTITY_LABEL} {{id: row.target}})\n"
        f"MERGE (a)-[r:{rel.name}{key_map}]->(b)\n"
        "WITH r, row, coalesce(r.sources, []) AS old\n"
        "SET r += row.props\n"
        "SET r.sources = old + [s IN coalesce(row.sources, []) WHERE NOT s IN old]"
    )


def node_row(rec: NodeRecord) -> dict[str, Any]:
    props = {k: v for k, v in rec.props.items() if k not in {"id", "sources"} and v is not None}
    return {"id": rec.id, "props": props, "sources": rec.props.get("sources")}


def rel_row(rec: RelRecord) -> dict[str, Any]:
    rel = SCHEMA.rel_types[rec.type]
    props = {k: v for k, v in rec.props.items() if k != "sources" and v is not None}
    for k in rel.merge_key:
        props.setdefault(k, "")
    return {"source": rec.source, "target": rec.target, "props": props,
            "sources": rec.props.get("sources") or [],
            "key": {k: rec.props.get(k) or "" for k in rel.merge_key}}


def write_nodes(graph: Graph, records: Iterable[NodeRecord],
                batch_size: int = DEFAULT_BATCH) -> int:
    """Write node records grouped by label, one transaction per batch."""
    by_label: dict[str, list[NodeRecord]] = defaultdict(list)
    for rec in records:
        by_label[rec.label].append(rec)
    n = 0
    for label, recs in by_label.items():
        query = node_query(label)
        for chunk in batched(recs, batch_size):
            graph.write(query, {"rows": [node_row(r) for r in chunk]}, timeout=0)
            n += len(chunk)
    return n


def write_rels(graph: Graph, records: Iterable[RelRecord],
               batch_size: int = DEFAULT_BATCH) -> int:
    """Write relationship records grouped by type, one transaction per batch."""
    by_type: dict[str, list[RelRecord]] = defaultdict(list)
    for rec in records:
        by_type[rec.type].append(rec)
    n = 0
    for rel_type, recs in by_type.items():
        query = rel_query(rel_type)
        for chunk in batched(recs, batch_size):
            graph.write(query, {"rows": [rel_row(r) for r in chunk]}, timeout=0)
            n += len(chunk)
    return n


def load_records(graph: Graph, nodes: Iterable[NodeRecord], rels: Iterable[RelRecord],
                 batch_size: int = DEFAULT_BATCH) -> tuple[int, int]:
    """Write already-validated records: nodes first, then relationships.

    Returns (nodes written, relationships written). Validation (ingest.validate) is the
    caller's job; this function trusts its input.
    """
    return write_nodes(graph, nodes, batch_size), write_rels(graph, rels, batch_size)
