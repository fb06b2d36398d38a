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
its label (type) holds what this load may have made it — read from the count store in the
batch's transaction just before the create query (``_CreatePath.allowed``), so a label
another writer has filled falls back to MERGE — and its id
(identity) was certainly not sent before by this load (``ingest.seen.SeenFilter``, a Bloom
filter: a false "maybe" only costs the MERGE path). The rows it says "maybe" to wait, per
label (type), and are merged later in batches of their own: merged inside a create batch,
the new ones among them would move the count the batch in flight with it expects. The
first batch of a label that is not empty finds so and merges; the rest of the load merges
too.

Client and server work overlap: batches are written by background threads while the
next one is built (read, validated, shaped into rows), with at most ``IN_FLIGHT`` (2)
batches in flight, each its own transaction, and no relationship batch while a node batch
is in flight (its endpoints must be committed). Two create batches of one label or type
may be in flight together: each one's create query accepts the count with or without the
other, whichever was sent first (each commits whole or not at all). A batch that merges is
never in flight with another of its label or type: two merges of one new identity at once
would both create it, and the rows a merge creates could not be allowed for. Two in
flight let one batch's rows be packed and sent while Neo4j runs the other (BENCHMARKS.md,
"Ingest"). Batches are counted in the order they were sent; the first that fails stops
the run (its transaction rolled back) and its error is raised from the next ``add_*`` or
``flush`` call; the other batch in flight may still commit, which a re-run merges like
any other.

Relationships of nodes this load created find their endpoints by element id (the
create query of the nodes returns them), checked against the id, instead of two index
seeks; a batch that finds such a node gone is rolled back and redone by index.
"""

from __future__ import annotations

import gc
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from threading import Lock, Thread
from typing import Any, TypeVar

from neo4j import ManagedTransaction

from graph.cypher import Cypher, render
from graph.db import Graph, cypher
from graph.schema import SCHEMA, Schema
from ingest.records import NodeRecord, Rejection, RelRecord
from ingest.seen import SeenFilter

T = TypeVar("T")

DEFAULT_BATCH = 10_000
#: Batches written at once, each its own transaction
IN_FLIGHT = 2
#: When no batch is in flight (the server idle), the fullest buffer is sent as soon as it
#: holds this many rows, without waiting for a full batch; checked every EAGER_EVERY rows.
#: (Sending it whenever fewer than IN_FLIGHT are in flight made a 10^6 load's batches
#: smaller — 686 transactions instead of 529 — and cost Neo4j 8 % more CPU.)
EAGER_MIN = 1000
EAGER_EVERY = 512
#: seconds a thread may hold the GIL while another waits for it, during a load
#: (``load_runtime``; CPython's default is 0.005)
SWITCH_INTERVAL = 0.0005


#: Guards the tuned settings while loads overlap (``load_runtime``)
_RUNTIME_LOCK = Lock()
#: (loads running, the settings found when the first began)
_runtime_state: list[Any] = [0, None]


@contextmanager
def load_runtime() -> Iterator[None]:
    """Run a load with the interpreter tuned for it; the settings found when the first of
    overlapping loads began come back when the last one ends (two loads in threads of one
    process neither leave the tuning behind nor undo each other's while one still runs).

    Only processes that exist to load call it: ``stackgraph ingest``, ``stackgraph up``
    and the benchmarks. Library code (``load_records``, ``ingest.pipeline.run_load``,
    ``ingest.bundled.load_bundled``) does not: a load started by the API server (the
    admin ``ingest`` mutation) runs with the server's settings, since these settings are
    interpreter-wide and would slow or starve every request being served. Two settings:

    * The cyclic garbage collector triggered a hundred times less often. A load keeps two
      or three batches of rows alive (~100,000 small dicts and lists) and allocates
      millions more; with CPython's default thresholds (700, 10, 10) a full collection,
      which walks every live object, runs every ~70,000 allocations. Rows form no cycles,
      so the collections find nothing; they cost the loader ~40 % of its CPU per
      relationship (BENCHMARKS.md, "Ingest").
    * The GIL handed over every 0.5 ms instead of 5 (``sys.setswitchinterval``). The
      threads that write the batches (``_InFlight``) release the GIL at every socket call
      and then wait for it while the main thread reads and shapes the input; at 5 ms a
      batch took several times as long to reach Neo4j as to pack, and the server idled:
      a 10^4 load on a warm server went from 26-30k to 35-39k relationships/s."""
    with _RUNTIME_LOCK:
        if _runtime_state[0] == 0:
            _runtime_state[1] = (gc.get_threshold(), sys.getswitchinterval())
            gc.set_threshold(50_000, 20, 100)
            sys.setswitchinterval(SWITCH_INTERVAL)
        _runtime_state[0] += 1
    try:
        yield
    finally:
        with _RUNTIME_LOCK:
            _runtime_state[0] -= 1
            if _runtime_state[0] == 0:
                threshold, switch = _runtime_state[1]
                gc.set_threshold(*threshold)
                sys.setswitchinterval(switch)
                _runtime_state[1] = None


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
    return render(cypher(__file__, "merge_nodes"), label=label)


@cache
def rel_query(rel_type: str) -> str:
    rel = SCHEMA.rel_types[SCHEMA.rel_type(rel_type)]
    # the merge key's property names come from the schema
    key = Cypher("".join(f"coalesce(o.{k}, '') = row.props.{k} AND " for k in rel.merge_key))
    return render(cypher(__file__, "merge_rels"), type=rel.name, key=key)


@cache
def create_keys(kind: str, name: str, schema: Schema = SCHEMA) -> tuple[str, ...]:
    """The properties the create path sends per row, in order: every property the schema
    declares for the label (type) but the ones with a fixed place in the row."""
    if kind == "node":
        fixed = {"id", "sources", "aliases"}
        return tuple(sorted(set(schema.node_properties[schema.label(name)]) - fixed))
    return tuple(sorted(set(schema.rel_properties[schema.rel_type(name)]) - {"sources"}))


@cache
def date_keys(kind: str, name: str, schema: Schema = SCHEMA) -> frozenset[str]:
    """The create path's date properties of a label (type): they travel as ISO strings
    and are stored with Cypher's ``date()``. Why: the driver turns each Python date into
    its wire form in Python code (~10 µs a value, half the cost of sending a row), a string
    costs nothing to send and Neo4j parses it in well under a microsecond."""
    props = (schema.node_properties[schema.label(name)] if kind == "node"
             else schema.rel_properties[schema.rel_type(name)])
    return frozenset(k for k in create_keys(kind, name, schema) if props[k].type == "date")


@cache
def date_positions(kind: str, name: str, first: int) -> tuple[int, ...]:
    """Where the date values sit in a create row whose values start at ``first``."""
    dates = date_keys(kind, name)
    return tuple(first + i for i, k in enumerate(create_keys(kind, name)) if k in dates)


def _sets(var: str, kind: str, name: str, first: int, schema: Schema) -> Cypher:
    """One ``SET`` item per declared property. (Not only the non-null ones per group of
    rows: setting a null costs a property look-up, ~1.5 µs, but a query per combination of
    present properties costs more in planning and round trips than it saves.)"""
    dates = date_keys(kind, name, schema)
    return Cypher("".join(f", {var}.`{k}` = date(row[{first + i}])" if k in dates
                          else f", {var}.`{k}` = row[{first + i}]"
                          for i, k in enumerate(create_keys(kind, name, schema))))


@cache
def count_query(kind: str, name: str) -> str:
    """The create path's count of a label (``kind`` "node") or type ("rel")."""
    if kind == "node":
        return render(cypher(__file__, "count_label"), label=name)
    return render(cypher(__file__, "count_type"), type=name)


@cache
def create_node_query(label: str, schema: Schema = SCHEMA) -> str:
    """The create query of a label: one ``SET`` per property ``schema`` declares."""
    return render(cypher(__file__, "create_nodes"), schema=schema, label=label,
                  sets=_sets("n", "node", label, 3, schema))


@cache
def create_rel_query(rel_type: str, by_node: bool = False) -> str:
    """The create query of a type; ``by_node``: its endpoints found by element id
    (rows ``[a, b, sources, a's id, b's id, values...]``), else by the ``Entity(id)``
    index (rows ``[a's id, b's id, sources, values...]``)."""
    ends = render(cypher(__file__, "ends_by_node" if by_node else "ends_by_id"))
    return render(cypher(__file__, "create_rels"), type=rel_type, ends=ends,
                  sets=_sets("r", "rel", rel_type, 5 if by_node else 3, SCHEMA))


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


def _fold(out: dict[Any, dict[str, Any]], k: Any, row: dict[str, Any],
          lists: tuple[str, ...]) -> int:
    """Put ``row`` in ``out`` under ``k``, or fold it into the row already there (later
    properties win, ``lists`` are united); 1 when it was folded, else 0."""
    first = out.get(k)
    if first is None:
        out[k] = row
        return 0
    first["props"] = {**first["props"], **row["props"]}
    for name in lists:
        first[name] = _union(first[name], row[name])
    return 1


def _dedupe(rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any],
            lists: tuple[str, ...]) -> tuple[dict[Any, dict[str, Any]], int]:
    """Fold rows with the same key (consistent duplicates of a load) into one, so a batch
    never merges the same node or relationship twice; the rows by their key, and how many
    were folded (counted unchanged: which of a load's repeats changed something depends on
    what was stored before)."""
    out: dict[Any, dict[str, Any]] = {}
    folded = 0
    for row in rows:
        folded += _fold(out, key(row), row, lists)
    return out, folded


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

#: At most this many element ids are remembered per load (~200 bytes each); the
#: relationships of nodes beyond it find their endpoints by index.
NODE_IDS_MAX = 2_000_000


class _NodesMoved(Exception):
    """A by-node create row found no endpoint: a node this load created was deleted (its
    element id maybe reused) by another writer. The transaction is rolled back and the
    batch redone by index."""


class _Restart(Exception):
    """A create query after the first found the label (type) changed by another writer
    mid-transaction: rolled back and redone as one merge."""


@dataclass
class _Batch:
    """One batch of one label or type, split into the rows to create (in parts by how
    their endpoints are found: by element id or not) and the rows to merge; run as
    one transaction."""

    merge_query: str
    #: the label's (type's) count query, run before each create query
    count_query: str
    #: the create query of a part (by element id or not)
    create_query: Callable[[bool], str]
    #: the create rows (lists) by part, and all of them again as merge rows (maps)
    parts: dict[bool, list[list[Any]]]
    new_as_merge: list[dict[str, Any]]
    merge: list[dict[str, Any]]
    #: the label's (type's) create-path state (None: it merges) and this batch's token
    #: in it (``_CreatePath.allowed``)
    state: _CreatePath | None = None
    token: int = 0
    #: ``_CreatePath.mark``, taken before the transaction begins
    mark: int = 0
    #: set by ``run`` for node batches: [id, element id] of each node created
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
        self.parts, self.new_as_merge = {}, []

    def run(self, tx: ManagedTransaction) -> Result:
        """The transaction function (may be retried by the driver: it starts afresh)."""
        self.created_ids = []
        stale = False
        total = dict(ZERO)
        state = self.state
        for by_node, rows in self.parts.items():
            assert state is not None  # create rows only with a create-path state
            present = tx.run(self.count_query).single(strict=True)["present"]
            # the counts it may be, read after it was: any batch of the same label (type)
            # that can have committed before the count was read is in them, including one
            # sent after this batch; plus what this transaction has created so far
            if present not in [n + total["created"]
                               for n in state.allowed(self.token, self.mark)]:
                state.break_()  # before this batch's merge can commit
                if total["created"]:
                    raise _Restart
                stale = True
                break
            res = tx.run(self.create_query(by_node), {"rows": Rows(rows)}).single(strict=True)
            if by_node and res["created"] != len(rows):
                raise _NodesMoved
            total["written"] += res["created"]
            total["created"] += res["created"]
            self.created_ids.extend(res.get("ids") or [])
        merge = self.new_as_merge + self.merge if stale else self.merge
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
                    if batch.state is not None:
                        batch.mark = batch.state.mark()
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
    nodes (relationships) of it the load has created (the count the next batch expects).

    A batch's create query needs the label's count to be what this load made it. That is
    not one number: another batch of the label may be in flight, and Neo4j's count may
    not show a commit that came after the reading transaction began (observed: the count
    missed batches that had committed, and been counted here, before it was read). So a
    batch marks, before its transaction begins, how many batches had been counted; its
    count may then include any subset of the batches counted since and of the others
    still in flight."""

    seen: SeenFilter = field(default_factory=SeenFilter)
    #: running totals of the rows created by this load's batches, in the order they were
    #: counted (``done``): totals[k] is what the first k batches created
    totals: list[int] = field(default_factory=lambda: [0])
    #: the create rows of each of this label's (type's) create batches in flight, by token
    in_flight: dict[int, int] = field(default_factory=dict)
    #: a batch found the count not as expected: it merges, creating an unknown number of
    #: its rows, so no count is as expected from then on (every later batch merges)
    broken: bool = False
    lock: Lock = field(default_factory=Lock)

    def mark(self) -> int:
        """Taken before a batch's transaction begins (``allowed``)."""
        with self.lock:
            return len(self.totals) - 1

    def allowed(self, me: int, mark: int) -> list[int]:
        """The counts batch ``me`` (which took ``mark``) may find, read after it found
        one: what the batches counted before ``mark`` created, plus what any subset of the
        batches counted since and of the other create batches in flight did (each commits
        whole or not at all, in any order; a create batch creates exactly its rows or
        finds the count wrong and breaks the label)."""
        with self.lock:
            if self.broken:
                return []
            totals = self.totals
            later = [totals[i + 1] - totals[i] for i in range(mark, len(totals) - 1)]
            later += [n for token, n in self.in_flight.items() if token != me]
            sums = {0}
            for n in later:
                sums |= {s + n for s in sums}
            return sorted(totals[mark] + s for s in sums)

    def break_(self) -> None:
        with self.lock:
            self.broken = True

    def start(self, token: int, rows: int) -> None:
        with self.lock:
            self.in_flight[token] = rows

    def done(self, token: int, created: int) -> None:
        with self.lock:
            self.in_flight.pop(token, None)
            self.totals.append(self.totals[-1] + created)


@dataclass
class _Deferred:
    """The rows of a create-path label (type) the seen filter said "maybe" to, by id
    (identity), folded: merged later in their own batch (see ``Writer._send``)."""

    rows: dict[Any, dict[str, Any]] = field(default_factory=dict)
    #: rows folded into one already here (counted unchanged, as ``_dedupe``'s)
    folded: int = 0


@dataclass(frozen=True)
class _Target:
    """What a label (type) is written with: its queries, row shapes and merge folding."""

    kind: str  # "node" or "rel"
    name: str
    merge_query: str
    count_query: str
    create_query: Callable[[bool], str]
    #: a merge row as a create row (None: it must be merged)
    as_new: Callable[[dict[str, Any]], list[Any] | None]
    #: a merge row's id (identity), and the list properties a fold unites
    identity: Callable[[dict[str, Any]], Any]
    lists: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


def _node_target(label: str) -> _Target:
    keys, dates = create_keys("node", label), date_positions("node", label, 3)
    return _Target("node", label, node_query(label), count_query("node", label),
                   lambda _: create_node_query(label),
                   lambda r: create_row([r["id"], r["sources"] or None, r["aliases"] or None],
                                        r["props"], keys, dates),
                   lambda r: r["id"], ("sources", "aliases"))


def _rel_target(rel_type: str) -> _Target:
    keys, dates = create_keys("rel", rel_type), date_positions("rel", rel_type, 3)
    return _Target("rel", rel_type, rel_query(rel_type), count_query("rel", rel_type),
                   lambda by_node: create_rel_query(rel_type, by_node),
                   lambda r: create_row([r["source"], r["target"], r["sources"]],
                                        r["props"], keys, dates),
                   lambda r: rel_identity(rel_type, r), ("sources",))


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
        self._targets: dict[str, _Target] = {}
        self._tokens = 0
        self._added = 0
        #: the batches in flight, oldest first: (label or type key, exclusive, job,
        #: bookkeeping); an exclusive batch (one that merges) is never in flight with
        #: another of its key
        self._pending: deque[tuple[str, bool, _InFlight, Callable[[Result], None]]] = deque()
        #: create-path state per "node:<label>" / "rel:<type>" (``broken``: the label or
        #: type was found not as this load left it, and merges from then on)
        self._create: dict[str, _CreatePath] = {}
        #: the rows each create-path key's filter said "maybe" to, merged later
        self._deferred: dict[str, _Deferred] = {}
        #: False: every row is merged (the create path off; tests compare both)
        self.create_path = create_path
        #: id -> element id of the nodes this load created (up to NODE_IDS_MAX), so
        #: their relationships skip the index (ends_by_node.cypher); None once a batch
        #: found one of them gone
        self._node_ids: dict[str, str] | None = {}

    # -- what a caller (a test, a diagnostic) may observe ---------------------------------
    @property
    def remembered_ids(self) -> dict[str, str] | None:
        """id -> element id of the nodes this load created, the by-node path's map (a live
        view); None once a batch found one of them gone."""
        return self._node_ids

    def broken(self) -> set[str]:
        """The "node:<label>" / "rel:<type>" keys whose create path found the database not
        as this load left it (they merge from then on)."""
        return {key for key, state in self._create.items() if state.broken}

    def create_path_keys(self) -> set[str]:
        """The keys that took the create path so far."""
        return set(self._create)

    def buffered(self) -> int:
        """Rows added but not sent yet."""
        return sum(len(b) for b in (*self._nodes.values(), *self._rels.values()))

    def wait_for_server(self) -> None:
        """A barrier: return once every batch sent so far has finished on the server
        (committed or failed); they are still counted only by the writer's next step."""
        for _, _, job, _ in list(self._pending):
            job.join()

    def add_node(self, rec: NodeRecord) -> None:
        self._add("node", rec.label, node_row(rec))

    def add_rel(self, rec: RelRecord) -> None:
        self._add("rel", rec.type, rel_row(rec))

    def _buffers(self, kind: str) -> dict[str, list[dict[str, Any]]]:
        return self._nodes if kind == "node" else self._rels

    def _add(self, kind: str, name: str, row: dict[str, Any]) -> None:
        """Buffer one row of a label (``kind`` "node") or type ("rel"): send its batch
        once full; every ``EAGER_EVERY`` rows, the fullest buffer if the server is idle."""
        buffers = self._buffers(kind)
        buf = buffers.setdefault(name, [])
        buf.append(row)
        if len(buf) >= self.batch_size:
            self._flush(kind, name)
        else:
            self._added += 1
            if not self._added % EAGER_EVERY and self._idle():
                self._eager(kind, buffers)

    def _idle(self) -> bool:
        """No batch in flight, once the ones that have finished are counted (in the
        order they were sent). Why count them here: a committed batch stays in
        ``_pending`` until the caller collects it, and the server would sit idle while the
        caller, seeing it there, went on filling buffers (BENCHMARKS.md, "Ingest": a 10^4
        load sent one batch before its end)."""
        pending = self._pending
        while pending and not pending[0][2].is_alive():
            self._wait_oldest()
        return not pending

    def _eager(self, kind: str, buffers: dict[str, list[dict[str, Any]]]) -> None:
        """The server is idle: send the fullest buffer if it holds ``EAGER_MIN`` rows.
        Why: with many labels or types, a small load fills no batch until its end, and the
        server would wait for the whole input before writing anything; a big load mostly
        has a batch in flight and rarely gets here."""
        if buffers:
            name = max(buffers, key=lambda k: len(buffers[k]))
            if len(buffers[name]) >= min(EAGER_MIN, self.batch_size):
                self._flush(kind, name)

    def load(self, nodes: Iterable[NodeRecord], rels: Iterable[RelRecord]) -> None:
        """Write the nodes, then the relationships (the nodes committed first)."""
        for node in nodes:
            self.add_node(node)
        self.flush()
        for rel in rels:
            self.add_rel(rel)
        self.flush()

    def flush(self) -> None:
        """Write every buffered record and wait until all batches are committed."""
        for label in list(self._nodes):
            self._flush("node", label)
        self._flush_deferred("node")
        for rel_type in list(self._rels):
            self._flush("rel", rel_type)
        self._flush_deferred("rel")
        self._wait()

    def _wait(self) -> None:
        """Wait for every batch in flight and count what each did (raises the first
        error)."""
        while self._pending:
            self._wait_oldest()

    def _wait_oldest(self) -> None:
        _, _, job, done = self._pending.popleft()
        done(job.wait())

    def _target(self, kind: str, name: str) -> _Target:
        key = f"{kind}:{name}"
        t = self._targets.get(key)
        if t is None:
            t = self._targets[key] = (_node_target if kind == "node" else _rel_target)(name)
        return t

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

    def _submit(self, t: _Target, rows: dict[Any, dict[str, Any]], folded: int) -> None:
        """Split ``rows`` (by their id or identity) between the create path — relationships
        in parts by whether both endpoints are nodes this load created — and the rows the
        seen filter may have seen, which wait in ``_deferred`` to be merged later; send
        the create rows (all rows, when the label or type merges)."""
        key = t.key
        state = (self._create.setdefault(key, _CreatePath()) if self.create_path
                 else None)
        parts: dict[bool, list[list[Any]]] = {}
        new_as_merge: list[dict[str, Any]] = []  # the same rows, for a fallback
        if state is None or state.broken:  # all merged (a broken one's deferred rows too)
            self._send(t, state, {}, [], list(rows.values()), folded)
            return
        deferred = self._deferred.setdefault(key, _Deferred())
        later, lists = deferred.rows, t.lists
        seen, as_new = state.seen.check_and_add, t.as_new
        to_node = self._by_node if t.kind == "rel" else None
        for ident, row in rows.items():
            listed = None if seen(ident) else as_new(row)
            if listed is None:
                deferred.folded += _fold(later, ident, row, lists)
                continue
            new_as_merge.append(row)
            node_row = to_node(listed) if to_node else None
            if node_row is None:
                parts.setdefault(False, []).append(listed)
            else:
                parts.setdefault(True, []).append(node_row)
        if new_as_merge:
            self._send(t, state, parts, new_as_merge, [], folded)
        else:  # every row deferred: count the folded ones with them
            deferred.folded += folded
        if len(later) >= self.batch_size:
            self._flush_deferred(t.kind, key)

    def _flush_deferred(self, kind: str, key: str | None = None) -> None:
        """Send the deferred rows of every label (``kind`` "node") or type ("rel"), or
        of ``key`` only, as merges."""
        keys = [k for k, d in self._deferred.items()
                if d.rows and (k == key if key else k.startswith(kind + ":"))]
        for k in keys:
            d = self._deferred.pop(k)
            self._send(self._target(kind, k.split(":", 1)[1]), self._create.get(k), {}, [],
                       list(d.rows.values()), d.folded)

    def _send(self, t: _Target, state: _CreatePath | None,
              parts: dict[bool, list[list[Any]]], new_as_merge: list[dict[str, Any]],
              merge: list[dict[str, Any]], folded: int) -> None:
        """Wait for room, and send one batch: create rows (``parts``, the same rows as
        merge rows in ``new_as_merge``) and rows to merge (``merge``, when there are any,
        never with create rows but after a stale find).

        Ordering rules, which the counts of the create path and the merge's correctness
        rest on: a relationship batch waits until the deferred node rows are sent and no
        node batch is in flight (its endpoints must be committed); a batch that merges
        (exclusive) is never in flight together with another of its label (type): it may
        create an unknown number of rows, which the other's count check could not allow
        for, and two merges of one new identity at once would both create it. Two create
        batches of one key may be in flight together: their rows are distinct (the seen
        filter) and each creates exactly its rows or is found stale."""
        key = t.key
        if t.kind == "rel":
            self._flush_deferred("node")
            while any(k.startswith("node:") for k, _, _, _ in self._pending):
                self._wait_oldest()
        pending = self._pending
        while True:
            # a batch may have found the label (type) not as expected: this one merges
            # too, after the rows of its key deferred before it (folded, so a later
            # repeat wins and the batch holds each id once)
            if state is not None and state.broken:
                d = self._deferred.pop(key, _Deferred())
                for row in new_as_merge + merge:
                    d.folded += _fold(d.rows, t.identity(row), row, t.lists)
                merge, folded = list(d.rows.values()), folded + d.folded
                parts, new_as_merge, state = {}, [], None
            exclusive = state is None or bool(merge)
            if len(pending) < self.in_flight and not any(
                    k == key and (exclusive or ex) for k, ex, _, _ in pending):
                break
            self._wait_oldest()
        self._tokens += 1
        batch = _Batch(t.merge_query, t.count_query, t.create_query, parts, new_as_merge,
                       merge, state, self._tokens)
        sent = len(new_as_merge) + len(merge)
        if state is not None and not exclusive:
            state.start(batch.token, sum(len(rows) for rows in parts.values()))

        def finish(res: Result) -> None:
            if state is not None:
                state.done(batch.token, res["created"])
            if batch.moved:
                self._node_ids = None
            elif batch.created_ids:
                self._remember(batch.created_ids)
            self._count(t, res, sent, folded)

        pending.append((key, exclusive, _InFlight(self.graph, batch), finish))

    def _count(self, t: _Target, res: Result, sent: int, folded: int) -> None:
        """Add what a committed batch of ``sent`` rows (plus the duplicates folded into
        them) did to the summary, and report it to ``on_batch``."""
        c = self.summary.node(t.name) if t.kind == "node" else self.summary.rel(t.name)
        c.created += res["created"]
        c.updated += res["updated"]
        c.unchanged += res["unchanged"] + folded
        missing = sent - res["written"]
        if missing:
            c.rejected += missing
            self.summary.rejections.append(Rejection(  # only relationships can miss
                None, None, f"{missing} {t.name} relationship(s) not written: an endpoint "
                            "disappeared from the database during the load", label=t.name))
        if self.on_batch:
            self.on_batch(t.kind, sent + folded)

    def _flush(self, kind: str, name: str) -> None:
        """Send the buffered rows of a label (``kind`` "node") or type ("rel")."""
        rows = self._buffers(kind).pop(name, [])
        if rows:
            t = self._target(kind, name)
            self._submit(t, *_dedupe(rows, t.identity, t.lists))


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
    Writer(graph, summary, batch_size, on_batch, create_path).load(nodes, rels)
    return summary
