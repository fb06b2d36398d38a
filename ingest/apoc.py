"""APOC's JSON-lines interchange format, in and out (``apoc.export.json.all`` layout).

    {"type":"node","id":"firm:nvidia","labels":["Entity","Firm"],"properties":{...}}
    {"type":"relationship","id":"...","label":"DESIGNS","start":{"id":"firm:nvidia",
     "labels":[...]},"end":{"id":"chip:...","labels":[...]},"properties":{...}}

APOC writes a node's *internal* id in ``id``; our nodes carry their own ``id`` property,
which is the key. On import the APOC id of each node is mapped to its ``properties.id``
(only where they differ, so an export of ours costs no memory) as the node lines go by —
APOC writes all nodes before the relationships — and relationships are attached through
that map. On export the APOC id *is* our id, so the file imports into any
Neo4j with APOC and back into stackgraph alike. Dates are written as ISO strings (APOC
does the same); on import the schema's declared property types turn them back into dates.
Both directions stream: neither holds the graph in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import orjson
from neo4j import ManagedTransaction

from graph.db import Graph, cypher
from graph.schema import ENTITY_LABEL, SCHEMA
from graph.values import plain
from ingest.curated import display_path
from ingest.records import NodeRecord, Origin, Rejection, RelRecord
from ingest.validate import file_rejection

Item = NodeRecord | RelRecord | Rejection


def is_apoc_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in {".jsonl", ".json", ".ndjson"}


def _lines(path: Path) -> Iterator[tuple[int, Any] | Rejection]:
    """(line, parsed object) per non-blank line, or a rejection naming the line.

    Lines are decoded by orjson straight from bytes (it checks the UTF-8 itself: ~5x
    faster than ``json.loads`` of a decoded line); a line it refuses is read again the
    slow way, only to say precisely what is wrong with it."""
    with path.open("rb") as fh:
        for no, raw in enumerate(fh, start=1):
            try:
                yield no, orjson.loads(raw)
            except orjson.JSONDecodeError:
                slow = _slow_line(path, no, raw)
                if slow is not None:
                    yield slow


def _slow_line(path: Path, no: int, raw: bytes) -> tuple[int, Any] | Rejection | None:
    """A line orjson refused, read by the standard library: a rejection saying what is
    wrong, None for a blank line, or the object (stdlib json also takes NaN and integers
    beyond 64 bits, which orjson does not)."""
    name = display_path(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return file_rejection(Origin(name, no), f"bad encoding: byte "
                              f"0x{raw[exc.start]:02x} is not UTF-8", "encoding")
    if not text.strip():
        return None
    try:
        return no, json.loads(text)
    except json.JSONDecodeError as exc:
        return file_rejection(Origin(name, no), f"malformed JSON: {exc.msg} (column "
                              f"{exc.colno}); expected one JSON object per line", "json")


def _label(labels: Any) -> str | None:
    found = [lab for lab in (labels or []) if lab in SCHEMA.labels]
    return found[0] if len(found) == 1 else None


def _labels() -> Callable[[Any], str | None]:
    """``_label``, remembered per list of labels (a file holds a few dozen)."""
    seen: dict[tuple[Any, ...], str | None] = {}

    def label(labels: Any) -> str | None:
        if type(labels) is not list or not all(type(x) is str for x in labels):
            return _label(labels)
        key = tuple(labels)
        if key not in seen:
            seen[key] = _label(labels)
        return seen[key]
    return label


class ApocReader:
    """A re-readable source over one APOC JSON-lines file (see ingest.pipeline)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = display_path(path)
        #: APOC id -> our id, where they differ; filled as node lines stream by (APOC
        #: writes every node before the first relationship)
        self._ids: dict[str, str] = {}

    def __call__(self) -> Iterator[Item]:
        ids = self._ids
        label_of = _labels()
        for entry in _lines(self.path):
            if isinstance(entry, Rejection):
                yield entry
                continue
            no, obj = entry
            origin = Origin(self.name, no)
            if not isinstance(obj, dict) or obj.get("type") not in {"node", "relationship"}:
                yield file_rejection(origin, "expected an object with type node or "
                                             "relationship", "type")
                continue
            props = obj.get("properties") or {}  # a fresh dict of this line's own
            if not isinstance(props, dict):
                yield file_rejection(origin, "properties: expected an object", "properties")
                continue
            if obj["type"] == "node":
                label = label_of(obj.get("labels"))
                if label is None:
                    yield Rejection(origin, "labels", f"labels {obj.get('labels')!r}: expected "
                                    f"{ENTITY_LABEL} and exactly one of "
                                    f"{', '.join(sorted(SCHEMA.labels))}", obj)
                    continue
                node_id = props.pop("id", None)
                apoc_id = str(obj.get("id"))
                if isinstance(node_id, str) and node_id != apoc_id:
                    ids[apoc_id] = node_id
                yield NodeRecord(label, node_id, props, origin)
            else:
                start = str((obj.get("start") or {}).get("id"))
                end = str((obj.get("end") or {}).get("id"))
                yield RelRecord(str(obj.get("label")), ids.get(start, start),
                                ids.get(end, end), props, origin)


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def export_graph(graph: Graph, out: TextIO) -> tuple[int, int]:
    """Write every node, then every relationship, as APOC JSON lines; returns the counts.
    Rows stream from the server to the file: the graph is never held in memory."""
    def nodes(tx: ManagedTransaction) -> int:
        n = 0
        for rec in tx.run(cypher(__file__, "export_nodes")):
            props = {k: plain(v) for k, v in rec["props"].items()}
            out.write(_dump({"type": "node", "id": rec["id"], "labels": sorted(rec["labels"]),
                             "properties": props}))
            n += 1
        return n

    def rels(tx: ManagedTransaction) -> int:
        n = 0
        for rec in tx.run(cypher(__file__, "export_rels")):
            props = {k: plain(v) for k, v in rec["props"].items()}
            out.write(_dump({"type": "relationship", "id": rec["rid"], "label": rec["type"],
                             "start": {"id": rec["start"], "labels": sorted(rec["slabels"])},
                             "end": {"id": rec["end"], "labels": sorted(rec["elabels"])},
                             "properties": props}))
            n += 1
        return n

    return graph.execute_read(nodes), graph.execute_read(rels)
