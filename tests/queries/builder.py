"""A tiny builder of fixture graphs for the question tests (loaded with the real loader)."""

from __future__ import annotations

from typing import Any

from graph.db import Graph
from graph.schema import SCHEMA, parse_date
from ingest.loader import load_records
from ingest.records import NodeRecord, RelRecord


class Builder:
    def __init__(self) -> None:
        self.nodes: dict[str, NodeRecord] = {}
        self.rels: list[RelRecord] = []

    def node(self, node_id: str, name: str | None = None, label: str | None = None,
             **props: Any) -> str:
        label = label or SCHEMA.label_for_id(node_id)
        assert label, node_id
        p = {"name": name or node_id, **props}
        if label == "Country":
            p.setdefault("iso3", node_id)
        self.nodes[node_id] = NodeRecord(label, node_id, p)
        return node_id

    def rel(self, rel_type: str, a: str, b: str, confidence: str = "high",
            sources: list[str] | None = None, **props: Any) -> None:
        for end in (a, b):
            if end not in self.nodes:
                self.node(end)
        for key in ("since", "until"):  # stored as Neo4j dates, as ingest does
            if isinstance(props.get(key), str):
                props[key] = parse_date(props[key], end=key == "until")
        self.rels.append(RelRecord(rel_type, a, b, {
            "sources": sources or ["src:test"], "confidence": confidence, **props}))

    def load(self, graph: Graph) -> None:
        load_records(graph, list(self.nodes.values()), self.rels)
