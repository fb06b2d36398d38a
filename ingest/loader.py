"""Batched, idempotent writes: ``UNWIND $rows MERGE`` on the constrained ``id``.

One transaction per batch (rolled back whole on error); labels and relationship types
come from the schema registry, values only as parameters; the Cypher is in
``merge_nodes.cypher`` / ``merge_rels.cypher``. Provenance merges: a fact seen again from
another source keeps both sources (and a node keeps every alias).

The merge query itself counts, per batch, the rows that created, changed or merely
confirmed what was stored (it compares the incoming properties with the stored ones before
setting them), so the summary needs no second read. Records are buffered per label or type
up to one batch, so memory stays bounded whatever the size of the input.

Create path: on a first load most rows are new, and a plain ``CREATE`` costs Neo4j about a
third of the merge query's read-compare-split per relationship. A row takes that path when
its label (type) held, at the start of its batch's transaction, exactly the nodes
(relationships) this load has created so far — checked in the same transaction from the
count store, so a label another writer has filled falls back to MERGE — and its id
(identity) was certainly not sent before by this load (``ingest.seen.SeenFilter``, a Bloom
filter: a false "maybe" only costs the MERGE path). Everything else is merged. The first
batch of a label that is not empty finds so and merges; the rest of the load merges too.

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

from neo4j import ManagedTransaction

from graph.db import Graph, cypher
from graph.schema import SCHEMA
from ingest.records import NodeRecord, Rejection, RelRecord
from ingest.seen import SeenFilter

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


@cache
def create_keys(kind: str, name: str) -> tuple[str, ...]:
    """The properties the create path sends per row, in order: every property the schema
    declares for the label (type) but the ones with a fixed place in the row."""
    if kind == "node":
        fixed = {"id", "sources", "aliases"}
        return tuple(sorted(set(SCHEMA.node_properties[SCHEMA.label(name)]) - fixed))
    return tuple(sorted(set(SCHEMA.rel_properties[SCHEMA.rel_type(name)]) - {"sources"}))


@cache
def date_keys(kind: str, name: str) -> frozenset[str]:
    """The create path's date properties of a label (type): they travel as ISO strings
    and are stored with Cypher's ``date()``. Why: the driver turns each Python date into
    its wire form in Python code (~10 µs a value, half the cost of sending a row), a string
    costs nothing to send and Neo4j parses it in well under a microsecond."""
    props = (SCHEMA.node_properties[SCHEMA.label(name)] if kind == "node"
             else SCHEMA.rel_properties[SCHEMA.rel_type(name)])
    return frozenset(k for k in create_keys(kind, name) if props[k].type == "date")


@cache
def date_positions(kind: str, name: str, first: int) -> tuple[int, ...]:
    """Where the date values sit in a create row whose values start at ``first``."""
    dates = date_keys(kind, name)
    return tuple(first + i for i, k in enumerate(create_keys(kind, name)) if k in dates)


def _sets(var: str, kind: str, name: str, first: int) -> str:
    dates = date_keys(kind, name)
    return "".join(f", {var}.`{k}` = date(row[{first + i}])" if k in dates
                   else f", {var}.`{k}` = row[{first + i}]"
                   for i, k in enumerate(create_keys(kind, name)))


@cache
def create_node_query(label: str) -> str:
    return (cypher(__file__, "create_nodes").replace("{{label}}", SCHEMA.label(label))
            .replace("{{sets}}", _sets("n", "node", label, 3)))


@cache
def create_rel_query(rel_type: str, by_node: bool = False) -> str:
    """The create query of a type; ``by_node``: its endpoints found by internal node id
    (rows ``[a, b, sources, a's id, b's id, values...]``), else by the ``Entity(id)``
    index (rows ``[a's id, b's id, sources, values...]``)."""
    ends = cypher(__file__, "ends_by_node" if by_node else "ends_by_id")
    ends = "\n".join(line for line in ends.splitlines() if not line.startswith("//"))
    return (cypher(__file__, "create_rels").replace("{{type}}", SCHEMA.rel_type(rel_type))
            .replace("{{ends}}", ends)
            .replace("{{sets}}", _sets("r", "rel", rel_type, 5 if by_node else 3)))


@cache
def _keyset(keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(keys)


def create_row(head: list[Any], props: dict[str, Any], keys: tuple[str, ...],
               dates: tuple[int, ...] = ()) -> list[Any] | None:
    """A merge row as the create query's list — ``head`` (the values with a fixed place),
    then the value of each key, the ones at ``dates`` as ISO strings (``date_keys``) — or
    None when ``props`` holds a property the schema does not declare (validated input
    never does): such a row is merged."""
    if not props.keys() <= _keyset(keys):
        return None
    row = [*head, *map(props.get, keys)]
    for i in dates:
        value = row[i]
        if value is not None:
            row[i] = value.isoformat()
    return row


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
            lists: tuple[str, ...]) -> dict[Any, dict[str, Any]]:
    """Fold rows with the same key (consistent duplicates of a load) into one, so a batch
    never merges the same node or relationship twice; the rows by their key."""
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
    return out


class Rows(list[Any]):
    """A batch's rows as a query parameter, with a short ``repr``.

    Why: the driver (neo4j 6.4.1, ``Bolt6.run``) formats its debug line for every query
    as ``" ".join(map(repr, fields))`` before handing it to ``log.debug``, whatever the log
    level, so the whole parameter set is rendered as text each time: ~2.2 µs a row, more
    than packing it (BENCHMARKS.md, "Ingest"). A list subclass packs like a list."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


Result = dict[str, int]
ZERO: Result = {"written": 0, "created": 0, "updated": 0, "unchanged": 0}

#: At most this many internal node ids are remembered per load (~150 bytes each); the
#: relationships of nodes beyond it find their endpoints by index.
NODE_IDS_MAX = 2_000_000


class _NodesMoved(Exception):
    """A by-node create row found no endpoint: a node this load created was deleted (its
    internal id maybe reused) by another writer. The transaction is rolled back and the
    batch redone by index."""


@dataclass
class _Batch:
    """One batch of one label or type, split into the rows to create and the rows to
    merge; run as one transaction."""

    merge_query: str
    create_query: str
    #: rows for the create query (lists), and all create rows (``new`` and ``by_node``)
    #: as merge rows (maps)
    new: list[list[Any]]
    new_as_merge: list[dict[str, Any]]
    merge: list[dict[str, Any]]
    #: the label's (type's) count the create query expects; -1: no create path
    expected: int = -1
    #: relationship rows whose endpoints this load created, for ``by_node_query``, and the
    #: same rows for ``create_query`` (the fallback when a node has moved)
    by_node: list[list[Any]] = field(default_factory=list)
    by_node_as_new: list[list[Any]] = field(default_factory=list)
    by_node_query: str = ""
    #: set by ``run``: the label (type) was not as expected, the whole batch was merged
    stale: bool = False
    #: set by ``run`` for node batches: [id, internal id] of each node created
    created_ids: list[list[Any]] = field(default_factory=list)
    #: set when the by-node rows found a node gone and were redone by index
    moved: bool = False

    def nodes_moved(self) -> None:
        """Send the by-node rows by index instead (see ``_NodesMoved``)."""
        self.new = self.by_node_as_new + self.new
        self.by_node, self.by_node_as_new = [], []

    def run(self, tx: ManagedTransaction) -> Result:
        """The transaction function (may be retried by the driver: it starts afresh)."""
        self.stale, self.created_ids = False, []
        total = dict(ZERO)
        merge = self.merge
        expected = self.expected
        if self.by_node:
            res = tx.run(self.by_node_query, {"rows": Rows(self.by_node),
                                              "expected": expected}).single(strict=True)
            if not res["fresh"]:
                self.stale = True
            elif res["created"] != len(self.by_node):
                raise _NodesMoved
            else:
                total["written"] = total["created"] = res["created"]
                expected += res["created"]
        if self.new and not self.stale:
            res = tx.run(self.create_query, {"rows": Rows(self.new),
                                             "expected": expected}).single(strict=True)
            if res["fresh"]:
                total["written"] += res["created"]
                total["created"] += res["created"]
                self.created_ids = res.get("ids") or []
            else:
                self.stale = True
        if self.stale:
            merge = self.new_as_merge + self.merge
        if merge:
            res = tx.run(self.merge_query, {"rows": Rows(merge)}).single(strict=True)
            for k in total:
                total[k] += res[k]
        return total


class _InFlight(Thread):
    """One batch being written (one transaction) while the caller builds the next."""

    def __init__(self, graph: Graph, batch: _Batch) -> None:
        super().__init__(name="stackgraph-writer", daemon=True)
        self.graph, self.batch = graph, batch
        self.result: Result | None = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        batch = self.batch
        try:
            try:
                self.result = self.graph.execute_write(batch.run)
            except _NodesMoved:  # rolled back: redo it by index
                batch.nodes_moved()
                self.result = self.graph.execute_write(batch.run)
                batch.moved = True
        except BaseException as exc:  # re-raised in the caller's thread by wait()
            self.error = exc
        finally:
            batch.new, batch.new_as_merge, batch.merge = [], [], []
            batch.by_node, batch.by_node_as_new = [], []

    def wait(self) -> Result:
        self.join()
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


@dataclass
class _CreatePath:
    """A label's (type's) create-path state for one load: what it has sent, and how many
    nodes (relationships) of it the load has created (the count the next batch expects)."""

    seen: SeenFilter = field(default_factory=SeenFilter)
    created: int = 0


class Writer:
    """Buffers records per label / type and writes full batches, one transaction each,
    in a background thread (one batch in flight; see the module docstring).

    ``on_batch(kind, n)`` is called after each committed batch (progress bars), in the
    caller's thread, as are all updates of the summary.
    """

    def __init__(self, graph: Graph, summary: LoadSummary, batch_size: int = DEFAULT_BATCH,
                 on_batch: Callable[[str, int], None] | None = None,
                 create_path: bool = True) -> None:
        if batch_size < 1:
            raise ValueError("batch size must be at least 1")
        self.graph = graph
        self.summary = summary
        self.batch_size = batch_size
        self.on_batch = on_batch
        self._nodes: dict[str, list[dict[str, Any]]] = {}
        self._rels: dict[str, list[dict[str, Any]]] = {}
        self._pending: tuple[_InFlight, Callable[[Result], None]] | None = None
        #: create-path state per "node:<label>" / "rel:<type>"; None: the label (type)
        #: was found not as this load left it, and merges from then on
        self._create: dict[str, _CreatePath | None] = {}
        #: False: every row is merged (the create path off; tests compare both)
        self.create_path = create_path
        #: id -> internal node id of the nodes this load created (up to NODE_IDS_MAX), so
        #: their relationships skip the index (ends_by_node.cypher); None once a batch
        #: found one of them gone
        self._node_ids: dict[str, int] | None = {}

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

    def _by_node(self, row: list[Any]) -> list[Any] | None:
        """A relationship create row as a by-node row, or None when an endpoint is not a
        node this load created (or the by-node path is off)."""
        ids = self._node_ids
        if ids is None:
            return None
        a, b = ids.get(row[0]), ids.get(row[1])
        if a is None or b is None:
            return None
        return [a, b, row[2], row[0], row[1], *row[3:]]

    def _remember(self, created: list[list[Any]]) -> None:
        ids = self._node_ids
        if ids is not None and len(ids) + len(created) <= NODE_IDS_MAX:
            ids.update((k, v) for k, v in created)

    def _submit(self, key: str, merge_query: str, create_query: str,
                rows: dict[Any, dict[str, Any]],
                as_new: Callable[[dict[str, Any]], list[Any] | None],
                done: Callable[[Result], None], by_node_query: str = "") -> None:
        """Split ``rows`` (by their id or identity) between the create and merge paths
        (and, with a ``by_node_query``, the create rows between by-node and by-index),
        wait for the batch in flight, send this one."""
        state = (self._create.setdefault(key, _CreatePath()) if self.create_path
                 else None)
        new: list[list[Any]] = []
        new_as_merge: list[dict[str, Any]] = []  # the same rows, for a fallback
        merge: list[dict[str, Any]] = []
        by_node: list[list[Any]] = []
        by_node_as_new: list[list[Any]] = []
        if state is None:
            merge = list(rows.values())
        else:
            seen = state.seen.check_and_add
            to_node = self._by_node if by_node_query else None
            for ident, row in rows.items():
                listed = None if seen(ident) else as_new(row)
                if listed is None:
                    merge.append(row)
                    continue
                new_as_merge.append(row)
                node_row = to_node(listed) if to_node else None
                if node_row is None:
                    new.append(listed)
                else:
                    by_node.append(node_row)
                    by_node_as_new.append(listed)
        self._wait()  # counts the previous batch: it may have found the label not fresh
        if state is not None and self._create[key] is None:
            new, merge, new_as_merge, state = [], new_as_merge + merge, [], None
            by_node, by_node_as_new = [], []
        batch = _Batch(merge_query, create_query, new, new_as_merge, merge,
                       state.created if state is not None else -1,
                       by_node, by_node_as_new, by_node_query)

        def finish(res: Result) -> None:
            if batch.stale:
                self._create[key] = None
            elif state is not None:
                state.created += res["created"]
            if batch.moved:
                self._node_ids = None
            elif batch.created_ids:
                self._remember(batch.created_ids)
            done(res)

        self._pending = (_InFlight(self.graph, batch), finish)

    def _flush_nodes(self, label: str) -> None:
        rows = self._nodes.pop(label, [])
        if not rows:
            return
        n = len(rows)
        by_id = _dedupe(rows, lambda r: r["id"], ("sources", "aliases"))
        folded = n - len(by_id)

        def done(res: Result) -> None:
            c = self.summary.node(label)
            c.created += res["created"]
            c.updated += res["updated"]
            c.unchanged += res["unchanged"] + folded
            if self.on_batch:
                self.on_batch("node", n)

        keys, dates = create_keys("node", label), date_positions("node", label, 3)
        self._submit(f"node:{label}", node_query(label), create_node_query(label), by_id,
                     lambda r: create_row([r["id"], r["sources"] or None,
                                           r["aliases"] or None], r["props"], keys, dates),
                     done)

    def _flush_rels(self, rel_type: str) -> None:
        rows = self._rels.pop(rel_type, [])
        if not rows:
            return
        n = len(rows)

        def identity(row: dict[str, Any]) -> tuple[Any, ...]:
            return rel_identity(rel_type, row)

        by_identity = _dedupe(rows, identity, ("sources",))
        folded, sent = n - len(by_identity), len(by_identity)

        def done(res: Result) -> None:
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

        keys, dates = create_keys("rel", rel_type), date_positions("rel", rel_type, 3)
        self._submit(f"rel:{rel_type}", rel_query(rel_type), create_rel_query(rel_type),
                     by_identity,
                     lambda r: create_row([r["source"], r["target"], r["sources"]],
                                          r["props"], keys, dates), done,
                     create_rel_query(rel_type, by_node=True))


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
                 on_batch: Callable[[str, int], None] | None = None,
                 create_path: bool = True) -> LoadSummary:
    """Write already-validated records: nodes first, then relationships.

    Returns a ``LoadSummary`` (created / updated / unchanged per label and type) that also
    unpacks as ``(nodes written, relationships written)``. Validation (ingest.validate,
    run by ingest.pipeline) is the caller's job; this function trusts its input. Both
    iterables are consumed once, streaming.
    """
    summary = LoadSummary()
    w = Writer(graph, summary, batch_size, on_batch, create_path)
    for node in nodes:
        w.add_node(node)
    w.flush()
    for rel in rels:
        w.add_rel(rel)
    w.flush()
    return summary
