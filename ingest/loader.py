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

Client and server work overlap: batches are written by background threads while the
next one is built (read, validated, shaped into rows), with at most ``IN_FLIGHT`` (2)
batches in flight, each its own transaction, and no relationship batch while a node batch
is in flight (its endpoints must be committed). Two batches of one label or type may be in
flight together: the second's create query accepts the count with or without the first
(each commits whole or not at all). Two in flight let one batch's rows be packed and
sent while Neo4j runs the other (BENCHMARKS.md, "Ingest"). Batches are counted in the
order they were sent; the first that fails stops the run (its transaction rolled back)
and its error is raised from the next ``add_*`` or ``flush`` call; the other batch in
flight may still commit, which a re-run merges like any other.

Relationships of nodes this load created find their endpoints by internal node id (the
create query of the nodes returns them), checked against the id, instead of two index
seeks; a batch that finds such a node gone is rolled back and redone by index.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
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
#: Batches written at once, each its own transaction
IN_FLIGHT = 2


@contextmanager
def relaxed_gc() -> Iterator[None]:
    """Run a load with the cyclic garbage collector triggered a hundred times less often.

    Why: a load keeps two or three batches of rows alive (~100,000 small dicts and lists)
    and allocates millions more; with CPython's default thresholds (700, 10, 10) a full
    collection, which walks every live object, runs every ~70,000 allocations. Rows form
    no cycles, so the collections find nothing; they cost the loader ~40 % of its CPU per
    relationship (BENCHMARKS.md, "Ingest"). The previous thresholds come back on exit."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


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
    """One ``SET`` item per declared property. (Not only the non-null ones per group of
    rows: setting a null costs a property look-up, ~1.5 µs, but a query per combination of
    present properties costs more in planning and round trips than it saves.)"""
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
    props = dict(rec.props)
    sources = props.pop("sources", None)
    if None in props.values():  # (a scan in C: most records hold no None)
        props = {k: v for k, v in props.items() if v is not None}
    for k in merge_key(rec.type):
        props.setdefault(k, "")
    return {"source": rec.source, "target": rec.target, "props": props,
            "sources": list(sources) if sources else []}


def rel_identity(rel_type: str, row: dict[str, Any]) -> tuple[Any, ...]:
    props = row["props"]
    keys = merge_key(rel_type)
    return (row["source"], row["target"], props.get("since"),
            tuple([props[k] for k in keys]) if keys else ())


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


class _Restart(Exception):
    """A create query after the first found the label (type) changed by another writer
    mid-transaction: rolled back and redone as one merge."""


@dataclass
class _Batch:
    """One batch of one label or type, split into the rows to create (in parts by how
    their endpoints are found: by internal node id or not) and the rows to merge; run as
    one transaction."""

    merge_query: str
    #: the create query of a part (by internal node id or not)
    create_query: Callable[[bool], str]
    #: the create rows (lists) by part, and all of them again as merge rows (maps)
    parts: dict[bool, list[list[Any]]]
    new_as_merge: list[dict[str, Any]]
    merge: list[dict[str, Any]]
    #: the label's (type's) counts the first create query accepts (``_CreatePath.allowed``)
    allowed: list[int] = field(default_factory=list)
    #: set by ``run``: the label (type) was not as expected, the whole batch was merged
    stale: bool = False
    #: set by ``run`` for node batches: [id, internal id] of each node created
    created_ids: list[list[Any]] = field(default_factory=list)
    #: set when the by-node rows found a node gone and were redone by index
    moved: bool = False

    def nodes_moved(self) -> None:
        """Send the by-node rows by index instead (see ``_NodesMoved``)."""
        by_node = [[r[3], r[4], r[2], *r[5:]] for r in self.parts.pop(True, [])]
        self.parts = {False: by_node + self.parts.get(False, [])}
        self.moved = True

    def merge_all(self) -> None:
        """Send every row to the merge query (see ``_Restart``)."""
        self.merge = self.new_as_merge + self.merge
        self.parts, self.new_as_merge, self.stale = {}, [], True

    def run(self, tx: ManagedTransaction) -> Result:
        """The transaction function (may be retried by the driver: it starts afresh)."""
        self.created_ids = []
        stale = False
        total = dict(ZERO)
        allowed = self.allowed
        for by_node, rows in self.parts.items():
            res = tx.run(self.create_query(by_node),
                         {"rows": Rows(rows), "allowed": allowed}).single(strict=True)
            if not res["fresh"]:
                if total["created"]:
                    raise _Restart
                stale = True
                break
            if by_node and res["created"] != len(rows):
                raise _NodesMoved
            total["written"] += res["created"]
            total["created"] += res["created"]
            allowed = [n + res["created"] for n in allowed]
            self.created_ids.extend(res.get("ids") or [])
        merge = self.new_as_merge + self.merge if stale else self.merge
        self.stale = self.stale or stale
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
            while True:  # ends: each redo removes what raised (by-node parts, creates)
                try:
                    self.result = self.graph.execute_write(batch.run)
                    break
                except _NodesMoved:  # rolled back: redo it by index
                    batch.nodes_moved()
                except _Restart:  # rolled back: redo it as one merge
                    batch.merge_all()
        except BaseException as exc:  # re-raised in the caller's thread by wait()
            self.error = exc
        finally:
            batch.parts, batch.new_as_merge, batch.merge = {}, [], []

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
    #: create rows of this label's (type's) batches in flight, each batch's count
    in_flight: list[int] = field(default_factory=list)

    def allowed(self) -> list[int]:
        """The counts the next batch may find: what the load has created plus the create
        rows of any subset of the batches still in flight (each commits whole or not at
        all, in any order)."""
        sums = {0}
        for n in self.in_flight:
            sums |= {s + n for s in sums}
        return sorted(self.created + s for s in sums)


class Writer:
    """Buffers records per label / type and writes full batches, one transaction each,
    in background threads (up to ``in_flight`` batches at once; see the module docstring).

    ``on_batch(kind, n)`` is called after each committed batch (progress bars), in the
    caller's thread, as are all updates of the summary.
    """

    def __init__(self, graph: Graph, summary: LoadSummary, batch_size: int = DEFAULT_BATCH,
                 on_batch: Callable[[str, int], None] | None = None,
                 create_path: bool = True, in_flight: int = IN_FLIGHT) -> None:
        if batch_size < 1:
            raise ValueError("batch size must be at least 1")
        if in_flight < 1:
            raise ValueError("at least one batch must be allowed in flight")
        self.in_flight = in_flight
        self.graph = graph
        self.summary = summary
        self.batch_size = batch_size
        self.on_batch = on_batch
        self._nodes: dict[str, list[dict[str, Any]]] = {}
        self._rels: dict[str, list[dict[str, Any]]] = {}
        #: the batches in flight, oldest first: (label or type key, job, bookkeeping)
        self._pending: deque[tuple[str, _InFlight, Callable[[Result], None]]] = deque()
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
        """Wait for every batch in flight and count what each did (raises the first
        error)."""
        while self._pending:
            self._wait_oldest()

    def _wait_oldest(self) -> None:
        _, job, done = self._pending.popleft()
        done(job.wait())

    def _wait_for(self, key: str) -> None:
        """For a relationship batch, wait (oldest first) until no node batch is in flight:
        its endpoints must be committed (and their internal ids known)."""
        if key.startswith("rel:"):
            while any(k.startswith("node:") for k, _, _ in self._pending):
                self._wait_oldest()

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

    def _submit(self, key: str, merge_query: str,
                create_query: Callable[[bool], str],
                rows: dict[Any, dict[str, Any]],
                as_new: Callable[[dict[str, Any]], list[Any] | None],
                done: Callable[[Result], None], by_node: bool = False) -> None:
        """Split ``rows`` (by their id or identity) between the create and merge paths
        — with ``by_node``, the create rows by whether both endpoints are nodes this load
        created — wait for room (and, for relationships, for the node batches), send
        this one."""
        state = (self._create.setdefault(key, _CreatePath()) if self.create_path
                 else None)
        parts: dict[bool, list[list[Any]]] = {}
        new_as_merge: list[dict[str, Any]] = []  # the same rows, for a fallback
        merge: list[dict[str, Any]] = []
        if state is None:
            merge = list(rows.values())
        else:
            seen = state.seen.check_and_add
            to_node = self._by_node if by_node else None
            for ident, row in rows.items():
                listed = None if seen(ident) else as_new(row)
                if listed is None:
                    merge.append(row)
                    continue
                new_as_merge.append(row)
                node_row = to_node(listed) if to_node else None
                if node_row is None:
                    parts.setdefault(False, []).append(listed)
                else:
                    parts.setdefault(True, []).append(node_row)
        self._wait_for(key)
        while len(self._pending) >= self.in_flight:
            self._wait_oldest()
        # a batch that finished meanwhile may have found the label (type) not as expected
        if state is not None and self._create[key] is None:
            parts, merge, new_as_merge, state = {}, new_as_merge + merge, [], None
        batch = _Batch(merge_query, create_query, parts, new_as_merge, merge,
                       state.allowed() if state is not None else [])
        sent = sum(len(rows) for rows in parts.values())
        if state is not None:
            state.in_flight.append(sent)

        def finish(res: Result) -> None:
            if state is not None:
                state.in_flight.remove(sent)
            if batch.stale:
                self._create[key] = None
            elif state is not None:
                state.created += res["created"]
            if batch.moved:
                self._node_ids = None
            elif batch.created_ids:
                self._remember(batch.created_ids)
            done(res)

        self._pending.append((key, _InFlight(self.graph, batch), finish))

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
        self._submit(f"node:{label}", node_query(label),
                     lambda _: create_node_query(label), by_id,
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
        self._submit(f"rel:{rel_type}", rel_query(rel_type),
                     lambda by_node: create_rel_query(rel_type, by_node),
                     by_identity,
                     lambda r: create_row([r["source"], r["target"], r["sources"]],
                                          r["props"], keys, dates), done, by_node=True)


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
    with relaxed_gc():
        for node in nodes:
            w.add_node(node)
        w.flush()
        for rel in rels:
            w.add_rel(rel)
        w.flush()
    return summary
