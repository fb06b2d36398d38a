"""Batched, idempotent writes: ``UNWIND $rows MERGE`` on the constrained ``id``.

One transaction per batch (rolled back whole on error); labels and relationship types
come from the schema registry, values only as parameters; the Cypher is in
``merge_nodes.cypher`` / ``merge_rels.cypher``. Provenance merges: a fact seen again from
another source keeps both sources (and a node keeps every alias).

The merge query itself counts, per batch, the rows that created, changed or merely
confirmed what was stored (it compares the incoming properties with the stored ones before
setting them), so the summary needs no second read. Records are buffered per label or type
up to one batch, so memory stays bounded whatever the size of the input.

Client and server work overlap: a batch is written by a background thread while the next
one is built (read, validated, shaped into rows), with at most one batch in flight, so the
loader holds at most two batches. Batches still commit one at a time and in order; the
first that fails stops the run (its transaction rolled back) and its error is raised from
the next ``add_*`` or ``flush`` call, before any later batch is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from threading import Thread
from typing import Any, TypeVar

from graph.db import Graph, cypher
from graph.schema import SCHEMA
from ingest.records import NodeRecord, Rejection, RelRecord

T = TypeVar("T")

DEFAULT_BATCH = 10_000


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


@dataclass
class Counts:
    """What a load did to one label or relationship type."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    #: records that passed validation (counted by dry runs, which write nothing)
    valid: int = 0

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        self.valid += other.valid

    @property
    def written(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict[str, int]:
        out = {"created": self.created, "updated": self.updated,
               "unchanged": self.unchanged, "rejected": self.rejected}
        if self.valid:
            out["valid"] = self.valid
        return out


@dataclass
class LoadSummary:
    """Created / updated / unchanged / rejected per label and per relationship type, and
    the rejections themselves.

    Unpacks like the ``(nodes written, relationships written)`` tuple that
    ``load_records`` used to return.
    """

    nodes: dict[str, Counts] = field(default_factory=dict)
    rels: dict[str, Counts] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    dry_run: bool = False
    #: True when the run stopped before writing (``--strict`` with rejections)
    aborted: bool = False

    def node(self, label: str) -> Counts:
        return self.nodes.setdefault(label, Counts())

    def rel(self, rel_type: str) -> Counts:
        return self.rels.setdefault(rel_type, Counts())

    @property
    def nodes_written(self) -> int:
        return sum(c.written for c in self.nodes.values())

    @property
    def rels_written(self) -> int:
        return sum(c.written for c in self.rels.values())

    @property
    def errors(self) -> list[Rejection]:
        return [r for r in self.rejections if r.severity == "error"]

    @property
    def warnings(self) -> list[Rejection]:
        return [r for r in self.rejections if r.severity != "error"]

    def __iter__(self) -> Iterator[int]:
        yield self.nodes_written
        yield self.rels_written

    def __getitem__(self, i: int) -> int:
        return (self.nodes_written, self.rels_written)[i]

    def count_rejection(self, rej: Rejection) -> None:
        """Record a rejection and count it under its label or type."""
        self.rejections.append(rej)
        if rej.severity != "error":
            return
        key = rej.label or "(unparsed)"
        if key in SCHEMA.rel_types:
            self.rel(key).rejected += 1
        else:
            self.node(key).rejected += 1

    def merge(self, other: LoadSummary) -> LoadSummary:
        for k, c in other.nodes.items():
            self.node(k).add(c)
        for k, c in other.rels.items():
            self.rel(k).add(c)
        self.rejections.extend(other.rejections)
        self.aborted = self.aborted or other.aborted
        return self

    def totals(self) -> dict[str, dict[str, int]]:
        out = {}
        for name, table in (("nodes", self.nodes), ("relationships", self.rels)):
            total = Counts()
            for c in table.values():
                total.add(c)
            out[name] = total.as_dict()
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "aborted": self.aborted,
            "nodes": {k: c.as_dict() for k, c in sorted(self.nodes.items())},
            "relationships": {k: c.as_dict() for k, c in sorted(self.rels.items())},
            "totals": self.totals(),
            "rejected": len(self.errors),
            "warnings": len(self.warnings),
        }


@cache
def node_query(label: str) -> str:
    return cypher(__file__, "merge_nodes").replace("{{label}}", SCHEMA.label(label))


@cache
def rel_query(rel_type: str) -> str:
    rel = SCHEMA.rel_types[SCHEMA.rel_type(rel_type)]
    key = "".join(f"coalesce(o.{k}, '') = row.props.{k} AND " for k in rel.merge_key)
    return (cypher(__file__, "merge_rels").replace("{{type}}", rel.name)
            .replace("{{key}}", key))


def node_row(rec: NodeRecord) -> dict[str, Any]:
    props = {k: v for k, v in rec.props.items()
             if k not in {"id", "sources", "aliases"} and v is not None}
    return {"id": rec.id, "props": props, "sources": list(rec.props.get("sources") or []),
            "aliases": list(rec.props.get("aliases") or [])}


@cache
def merge_key(rel_type: str) -> tuple[str, ...]:
    """The type's merge-key properties (besides its ends and ``since``)."""
    return tuple(SCHEMA.rel_types[rel_type].merge_key)


def rel_row(rec: RelRecord) -> dict[str, Any]:
    """The query's row: its identity (ends, ``props.since``, the merge-key values, stored
    as '' when absent) is read from ``props``, so nothing is sent twice."""
    props = {k: v for k, v in rec.props.items() if v is not None and k != "sources"}
    for k in merge_key(rec.type):
        props.setdefault(k, "")
    sources = rec.props.get("sources")
    return {"source": rec.source, "target": rec.target, "props": props,
            "sources": list(sources) if sources else []}


def rel_identity(rel_type: str, row: dict[str, Any]) -> tuple[Any, ...]:
    props = row["props"]
    return (row["source"], row["target"], props.get("since"),
            tuple(props[k] for k in merge_key(rel_type)))


def _union(a: list[Any], b: list[Any]) -> list[Any]:
    return a + [x for x in b if x not in a]


def _dedupe(rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any],
            lists: tuple[str, ...]) -> list[dict[str, Any]]:
    """Fold rows with the same key (consistent duplicates of a load) into one, so a batch
    never merges the same node or relationship twice."""
    out: dict[Any, dict[str, Any]] = {}
    for row in rows:
        k = key(row)
        if k not in out:
            out[k] = row
            continue
        first = out[k]
        first["props"] = {**first["props"], **row["props"]}
        for name in lists:
            first[name] = _union(first[name], row[name])
    return list(out.values())


class _InFlight(Thread):
    """One batch being written (one transaction) while the caller builds the next."""

    def __init__(self, graph: Graph, query: str, rows: list[dict[str, Any]]) -> None:
        super().__init__(name="stackgraph-writer", daemon=True)
        self.graph, self.query, self.rows = graph, query, rows
        self.result: dict[str, int] | None = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            out = self.graph.write(self.query, {"rows": self.rows}, timeout=0)
            self.result = out[0] if out else {"written": 0, "created": 0, "updated": 0,
                                              "unchanged": 0}
        except BaseException as exc:  # re-raised in the caller's thread by wait()
            self.error = exc
        finally:
            self.rows = []

    def wait(self) -> dict[str, int]:
        self.join()
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


class Writer:
    """Buffers records per label / type and writes full batches, one transaction each,
    in a background thread (one batch in flight; see the module docstring).

    ``on_batch(kind, n)`` is called after each committed batch (progress bars), in the
    caller's thread, as are all updates of the summary.
    """

    def __init__(self, graph: Graph, summary: LoadSummary, batch_size: int = DEFAULT_BATCH,
                 on_batch: Callable[[str, int], None] | None = None) -> None:
        if batch_size < 1:
            raise ValueError("batch size must be at least 1")
        self.graph = graph
        self.summary = summary
        self.batch_size = batch_size
        self.on_batch = on_batch
        self._nodes: dict[str, list[dict[str, Any]]] = {}
        self._rels: dict[str, list[dict[str, Any]]] = {}
        self._pending: tuple[_InFlight, Callable[[dict[str, int]], None]] | None = None

    def add_node(self, rec: NodeRecord) -> None:
        buf = self._nodes.setdefault(rec.label, [])
        buf.append(node_row(rec))
        if len(buf) >= self.batch_size:
            self._flush_nodes(rec.label)

    def add_rel(self, rec: RelRecord) -> None:
        buf = self._rels.setdefault(rec.type, [])
        buf.append(rel_row(rec))
        if len(buf) >= self.batch_size:
            self._flush_rels(rec.type)

    def flush(self) -> None:
        """Write every buffered record and wait until all batches are committed."""
        for label in list(self._nodes):
            self._flush_nodes(label)
        for rel_type in list(self._rels):
            self._flush_rels(rel_type)
        self._wait()

    def _wait(self) -> None:
        """Wait for the batch in flight, if any, and count what it did (raises its error)."""
        if self._pending is None:
            return
        job, done = self._pending
        self._pending = None
        done(job.wait())

    def _submit(self, query: str, rows: list[dict[str, Any]],
                done: Callable[[dict[str, int]], None]) -> None:
        self._wait()
        self._pending = (_InFlight(self.graph, query, rows), done)

    def _flush_nodes(self, label: str) -> None:
        rows = self._nodes.pop(label, [])
        if not rows:
            return
        n = len(rows)
        rows = _dedupe(rows, lambda r: r["id"], ("sources", "aliases"))
        folded = n - len(rows)

        def done(res: dict[str, int]) -> None:
            c = self.summary.node(label)
            c.created += res["created"]
            c.updated += res["updated"]
            c.unchanged += res["unchanged"] + folded
            if self.on_batch:
                self.on_batch("node", n)

        self._submit(node_query(label), rows, done)

    def _flush_rels(self, rel_type: str) -> None:
        rows = self._rels.pop(rel_type, [])
        if not rows:
            return
        n = len(rows)
        rows = _dedupe(rows, lambda r: rel_identity(rel_type, r), ("sources",))
        folded, sent = n - len(rows), len(rows)

        def done(res: dict[str, int]) -> None:
            c = self.summary.rel(rel_type)
            c.created += res["created"]
            c.updated += res["updated"]
            c.unchanged += res["unchanged"] + folded
            missing = sent - res["written"]
            if missing:
                c.rejected += missing
                self.summary.rejections.append(Rejection(
                    None, None, f"{missing} {rel_type} relationship(s) not written: an "
                                "endpoint disappeared from the database during the load",
                    label=rel_type))
            if self.on_batch:
                self.on_batch("rel", n)

        self._submit(rel_query(rel_type), rows, done)


def write_nodes(graph: Graph, records: Iterable[NodeRecord],
                batch_size: int = DEFAULT_BATCH) -> int:
    """Write node records grouped by label, one transaction per batch."""
    summary = LoadSummary()
    w = Writer(graph, summary, batch_size)
    for rec in records:
        w.add_node(rec)
    w.flush()
    return summary.nodes_written


def write_rels(graph: Graph, records: Iterable[RelRecord],
               batch_size: int = DEFAULT_BATCH) -> int:
    """Write relationship records grouped by type, one transaction per batch."""
    summary = LoadSummary()
    w = Writer(graph, summary, batch_size)
    for rec in records:
        w.add_rel(rec)
    w.flush()
    return summary.rels_written


def load_records(graph: Graph, nodes: Iterable[NodeRecord], rels: Iterable[RelRecord],
                 batch_size: int = DEFAULT_BATCH,
                 on_batch: Callable[[str, int], None] | None = None) -> LoadSummary:
    """Write already-validated records: nodes first, then relationships.

    Returns a ``LoadSummary`` (created / updated / unchanged per label and type) that also
    unpacks as ``(nodes written, relationships written)``. Validation (ingest.validate,
    run by ingest.pipeline) is the caller's job; this function trusts its input. Both
    iterables are consumed once, streaming.
    """
    summary = LoadSummary()
    w = Writer(graph, summary, batch_size, on_batch)
    for node in nodes:
        w.add_node(node)
    w.flush()
    for rel in rels:
        w.add_rel(rel)
    w.flush()
    return summary
