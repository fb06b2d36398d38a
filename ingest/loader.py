"""Batched, idempotent writes: ``UNWIND $rows MERGE`` on the constrained ``id`` — the
writer, and the one place that decides what each batch holds.

Read in this order (each module on its own):

- ``ingest.rows``: row shaping — what is sent for a record, and the queries per label or
  type (``Target``);
- ``ingest.create_path``: rows known new take plain ``CREATE`` guarded by the count of
  their label (type); ``Batch.run`` is one batch's transaction;
- ``ingest.scheduler``: batch scheduling — which batches run at once, in threads, and
  the rules of what may be in flight together, as assertions;
- ``ingest.summary``: what the load did, per label and type;
- this module: the ``Writer``, the strategy between them — it buffers records per label
  or type, folds repeats, splits each batch between the create path and the deferred
  rows, and hands finished batches to the scheduler (the one seam: ``has_room``,
  ``send``, ``wait_*``).

One transaction per batch (rolled back whole on error); provenance merges (a fact seen
again from another source keeps both sources, a node keeps every alias). The merge query
itself counts, per batch, the rows that created, changed or merely confirmed what was
stored, so the summary needs no second read. Records are buffered per label or type up
to one batch, so memory stays bounded whatever the size of the input. Relationships of
nodes this load created find their endpoints by element id (the create query of the
nodes returns ``elementId(n)``), checked against the id; a batch that finds such a node
gone is rolled back and redone by index.

Ordering rules (each an assertion where it is kept): a relationship batch is sent only
once every node added before it is sent and committed (``_settle_nodes``); create rows
and merge rows are never in one batch; the scheduler's rules (``ingest.scheduler``); the
counts a create batch may find (``CreatePath.allowed``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from graph.db import Graph
from ingest.create_path import NODE_IDS_MAX, Batch, CreatePath, Deferred, Result
from ingest.records import NodeRecord, Rejection, RelRecord
from ingest.rows import (
    Target,
    batched,
    count_query,
    create_node_query,
    create_rel_query,
    dedupe,
    fold,
    node_row,
    node_target,
    rel_identity,
    rel_query,
    rel_row,
    rel_target,
)
from ingest.runtime import SWITCH_INTERVAL, load_runtime
from ingest.scheduler import Observer, Scheduler
from ingest.summary import LoadSummary

__all__ = ["DEFAULT_BATCH", "SWITCH_INTERVAL", "LoadSummary", "Writer", "batched",
           "count_query",
           "create_node_query", "create_rel_query", "load_records", "load_runtime",
           "rel_identity", "rel_query", "rel_row", "write_nodes", "write_rels"]

DEFAULT_BATCH = 10_000
#: Batches written at once, each its own transaction
IN_FLIGHT = 2
#: When no batch is in flight (the server idle), the fullest buffer is sent as soon as it
#: holds this many rows, without waiting for a full batch; checked every EAGER_EVERY rows.
#: (Sending it whenever fewer than IN_FLIGHT are in flight made a 10^6 load's batches
#: smaller — 686 transactions instead of 529 — and cost Neo4j 8 % more CPU.)
EAGER_MIN = 1000
EAGER_EVERY = 512
#: ... and at least 1/EAGER_GROWTH of the rows sent so far (up to a full batch): a reader
#: slower than the server (validation, parsing: ``stackgraph ingest``) would otherwise
#: find it idle at every check and send 1,000-row batches all along, which cost Neo4j
#: ~2.3x the CPU per row of 10,000-row ones (BENCHMARKS.md, "Batch size")
EAGER_GROWTH = 8


class Writer:
    """Buffers records per label / type and writes full batches, one transaction each,
    in background threads (up to ``in_flight`` batches at once; see the module docstring).

    ``on_batch(kind, n)`` is called after each committed batch (progress bars), in the
    caller's thread, as are all updates of the summary.
    """

    def __init__(self, graph: Graph, summary: LoadSummary, batch_size: int = DEFAULT_BATCH,
                 on_batch: Callable[[str, int], None] | None = None,
                 create_path: bool = True, in_flight: int = IN_FLIGHT,
                 observer: Observer | None = None) -> None:
        if batch_size < 1:
            raise ValueError("batch size must be at least 1")
        #: runs the batches (the seam: this class decides what a batch holds and whether
        #: it creates or merges; the scheduler when it runs, by its rules)
        self.scheduler = Scheduler(graph, in_flight, observer)
        self.graph = graph
        self.summary = summary
        self.batch_size = batch_size
        self.on_batch = on_batch
        self._nodes: dict[str, list[dict[str, Any]]] = {}
        self._rels: dict[str, list[dict[str, Any]]] = {}
        self._targets: dict[str, Target] = {}
        self._tokens = 0
        self._added = 0
        self._sent = 0  # rows sent so far (``_eager``)
        #: create-path state per "node:<label>" / "rel:<type>" (``broken``: the label or
        #: type was found not as this load left it, and merges from then on)
        self._create: dict[str, CreatePath] = {}
        #: the rows each create-path key's filter said "maybe" to, merged later
        self._deferred: dict[str, Deferred] = {}
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
        self.scheduler.wait_for_server()

    def abandon(self) -> None:
        """The load stops on an error: the batches in flight end before it is raised."""
        self.scheduler.abandon()

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
            if not self._added % EAGER_EVERY and self.scheduler.idle():
                self._eager(kind, buffers)

    def _eager(self, kind: str, buffers: dict[str, list[dict[str, Any]]]) -> None:
        """The server is idle: send the fullest buffer if it holds ``EAGER_MIN`` rows and
        1/``EAGER_GROWTH`` of the rows sent so far. Why: with many labels or types, a
        small load fills no batch until its end, and the server would wait for the whole
        input before writing anything; a big load's batches grow to full ones."""
        if buffers:
            name = max(buffers, key=lambda k: len(buffers[k]))
            least = max(EAGER_MIN, self._sent // EAGER_GROWTH)
            if len(buffers[name]) >= min(least, self.batch_size):
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
        self.scheduler.wait_for("")  # every batch counted (raises the first error)

    def _target(self, kind: str, name: str) -> Target:
        key = f"{kind}:{name}"
        t = self._targets.get(key)
        if t is None:
            t = self._targets[key] = (node_target if kind == "node" else rel_target)(name)
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

    def _submit(self, t: Target, rows: dict[Any, dict[str, Any]], folded: int) -> None:
        """Split ``rows`` (by their id or identity) between the create path — relationships
        in parts by whether both endpoints are nodes this load created — and the rows the
        seen filter may have seen, which wait in ``_deferred`` to be merged later; send
        the create rows (all rows, when the label or type merges)."""
        key = t.key
        state = (self._create.setdefault(key, CreatePath()) if self.create_path
                 else None)
        parts: dict[bool, list[list[Any]]] = {}
        new_as_merge: list[dict[str, Any]] = []  # the same rows, for a fallback
        if state is None or state.broken:  # all merged (a broken one's deferred rows too)
            self._send(t, state, {}, [], list(rows.values()), folded)
            return
        deferred = self._deferred.setdefault(key, Deferred())
        later, lists = deferred.rows, t.lists
        seen, as_new = state.seen.check_and_add, t.as_new
        to_node = self._by_node if t.kind == "rel" else None
        for ident, row in rows.items():
            listed = None if seen(ident) else as_new(row)
            if listed is None:
                deferred.folded += fold(later, ident, row, lists)
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

    def _send(self, t: Target, state: CreatePath | None,
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
        batches of one key may be in flight together once one of its batches is counted:
        their rows are distinct (the seen filter) and each creates exactly its rows or is
        found stale (the first alone: see ``CreatePath.counted``)."""
        key = t.key
        assert not (parts and merge), "create rows and merge rows are never sent together"
        if t.kind == "rel":
            self._settle_nodes()
        while True:
            # a batch may have found the label (type) not as expected: this one merges
            # too, after the rows of its key deferred before it (folded, so a later
            # repeat wins and the batch holds each id once)
            if state is not None and state.broken:
                d = self._deferred.pop(key, Deferred())
                for row in new_as_merge + merge:
                    d.folded += fold(d.rows, t.identity(row), row, t.lists)
                merge, folded = list(d.rows.values()), folded + d.folded
                parts, new_as_merge, state = {}, [], None
            # alone in flight: a merge, or a label's first batch (``CreatePath.counted``)
            exclusive = state is None or bool(merge) or not state.counted()
            if self.scheduler.has_room(key, exclusive):
                break
            self.scheduler.wait_oldest()
        self._tokens += 1
        batch = Batch(t.merge_query, t.count_query, t.create_query, parts, new_as_merge,
                       merge, state, self._tokens)
        sent = len(new_as_merge) + len(merge)
        self._sent += sent
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

        self.scheduler.send(key, exclusive, batch, finish)

    def _count(self, t: Target, res: Result, sent: int, folded: int) -> None:
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

    def _settle_nodes(self) -> None:
        """Before a relationship batch: every node added so far sent (buffered and
        deferred rows) and committed, so its endpoints exist — and are remembered for
        the by-node path — when it runs."""
        for label in list(self._nodes):
            self._flush("node", label)
        self._flush_deferred("node")
        self.scheduler.wait_for("node:")
        assert not self._nodes and not any(
            d.rows for k, d in self._deferred.items() if k.startswith("node:")), \
            "nodes left behind a relationship batch"

    def _flush(self, kind: str, name: str) -> None:
        """Send the buffered rows of a label (``kind`` "node") or type ("rel")."""
        if kind == "rel":
            self._settle_nodes()
        rows = self._buffers(kind).pop(name, [])
        if rows:
            t = self._target(kind, name)
            self._submit(t, *dedupe(rows, t.identity, t.lists))


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
                 create_path: bool = True, observer: Observer | None = None) -> LoadSummary:
    """Write already-validated records: nodes first, then relationships (``observer``:
    sees the scheduling, ``ingest.scheduler``).

    Returns a ``LoadSummary`` (created / updated / unchanged per label and type) that also
    unpacks as ``(nodes written, relationships written)``. Validation (ingest.validate,
    run by ingest.pipeline) is the caller's job; this function trusts its input. Both
    iterables are consumed once, streaming.
    """
    summary = LoadSummary()
    Writer(graph, summary, batch_size, on_batch, create_path,
           observer=observer).load(nodes, rels)
    return summary
