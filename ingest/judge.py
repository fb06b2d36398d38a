"""Judging a load in one read: each record is handed on as soon as its verdict is in.

The stages of ingest.validate need the whole load for some verdicts (a relationship may
name a node defined further on, a node may cite a Source defined later or already in the
database, a repeat is compared with the first copy). Most records do not wait for that:
an APOC export lists its Sources and every node before the first relationship. So the
judge reads the source once and, per record:

1. checks its shape (stage 1); a bad record is rejected there and then;
2. if every id it refers to is *settled* — a node of this load that passed every check,
   or a node found in the database — gives its verdict at once (stages 3 and 4) and hands
   a valid record to ``emit_node`` / ``emit_rel`` (the writer, or a counter);
3. otherwise it *waits*: the ids the waiting records refer to are looked up in Neo4j in
   batches as they pile up, and a waiting record is judged as soon as its ids settle;
4. a repeat given with other values than its first copy waits for the end, when one more
   read (only then) finds the first copies to compare it with, value by value.

At the end of the read every id the load defines is known: what still waits is judged,
the nodes first. The verdicts are those of the staged validation (the same checks, the
same messages, the same order of rejections: the shape rejections in input order, then
the nodes', then the relationships'); only when each is given differs.

Ordering rule the writer relies on: a relationship is emitted only after both its
endpoints were emitted (or found in the database) — ``_settled`` is true of no other id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from graph.db import Graph
from ingest.records import NodeRecord, Rejection, RelRecord
from ingest.summary import LoadSummary
from ingest.validate import Validator

Item = NodeRecord | RelRecord | Rejection
#: waiting records that trigger a look-up of their ids in Neo4j (and a re-judging)
WAIT_LOOKUP = 10_000
#: the order rejections are reported in: shape first, then nodes, then relationships
SHAPE, NODES, RELS = 1, 3, 4


class Judge:
    """One load's verdicts, given while its source is read once (module docstring)."""

    def __init__(self, validator: Validator, graph: Graph | None,
                 emit_node: Callable[[NodeRecord], None],
                 emit_rel: Callable[[RelRecord], None]) -> None:
        self.v = validator
        self.graph = graph
        self.emit_node, self.emit_rel = emit_node, emit_rel
        #: positions of the rejected items (a strict load's write pass skips them)
        self.rejected: set[int] = set()
        self._rejections: list[tuple[int, int, Rejection]] = []
        #: (position, shape-checked record, waits for the end) in input order
        self._waiting: list[tuple[int, NodeRecord | RelRecord, bool]] = []
        #: node ids with a copy waiting and none accepted yet: not settled
        self._undecided: set[str] = set()
        #: settled ids: the load's nodes that passed every check (the validator's own
        #: set, not a copy: a million ids cost ~40 MB a set) and nodes found in Neo4j
        self._ok = validator.accepted_ids
        self._found: set[str] = set()
        #: ids already asked of Neo4j
        self._asked: set[str] = set()
        self._rescan_at = WAIT_LOOKUP
        self._finished = False

    # -- reading --------------------------------------------------------------------
    def feed(self, seq: int, item: Item) -> None:
        """Judge the ``seq``-th item of the source (or make it wait)."""
        assert not self._finished, "a judge reads its source once"
        if isinstance(item, Rejection):
            self._reject(SHAPE, seq, item)
        elif isinstance(item, NodeRecord):
            self._node(seq, item)
        else:
            self._rel(seq, item)

    def _node(self, seq: int, rec: NodeRecord) -> None:
        out = self.v.observe_node(rec)
        if isinstance(out, Rejection):
            self._reject(SHAPE, seq, out)
        elif self.v.flagged_node(out.id):
            self._wait(seq, out, end=True)
        elif out.id not in self._undecided and self._all_settled(
                out.props.get("sources") or ()):
            self._judge_node(seq, out)
        else:
            if not self.v.accepted(out.id):
                self._undecided.add(out.id)
            self._wait(seq, out)

    def _rel(self, seq: int, rec: RelRecord) -> None:
        out = self.v.observe_rel(rec)
        if isinstance(out, Rejection):
            self._reject(SHAPE, seq, out)
        elif self.v.flagged_rel(out):
            self._wait(seq, out, end=True)
        elif self._rel_ready(out):
            self._judge_rel(seq, out)
        else:
            self._wait(seq, out)

    def _settled(self, node_id: str) -> bool:
        """Is the verdict on this id in: a node of the load that passed every check (and
        was emitted), or a node found in Neo4j?"""
        return node_id in self._ok or node_id in self._found

    def _all_settled(self, ids: list[str] | tuple[()]) -> bool:
        return self._ok.issuperset(ids) or all(map(self._settled, ids))

    def _rel_ready(self, rec: RelRecord) -> bool:
        settled = self._settled
        return settled(rec.source) and settled(rec.target) and self._all_settled(
            rec.props.get("sources") or ())

    def _judge_node(self, seq: int, rec: NodeRecord) -> None:
        rej = self.v.final_node(rec)
        if rej is not None:
            self._reject(NODES, seq, rej)
            self.v.close_nodes()
        else:
            assert rec.id in self._ok, "a node that passed every check is settled"
            self.emit_node(rec)

    def _judge_rel(self, seq: int, rec: RelRecord) -> None:
        assert self._finished or (self._settled(rec.source) and self._settled(rec.target)), \
            "a relationship is emitted only after its endpoints"
        rej = self.v.final_rel(rec)
        if rej is not None:
            self._reject(RELS, seq, rej)
        else:
            self.emit_rel(rec)

    def _reject(self, stage: int, seq: int, rej: Rejection) -> None:
        if rej.severity == "error":
            self.rejected.add(seq)
        self._rejections.append((stage, seq, rej))

    # -- waiting ----------------------------------------------------------------------
    def _wait(self, seq: int, rec: NodeRecord | RelRecord, end: bool = False) -> None:
        self._waiting.append((seq, rec, end))
        if len(self._waiting) >= self._rescan_at:
            self._ask(self._waiting)
            self._rescan()
            self._rescan_at = max(WAIT_LOOKUP, 2 * len(self._waiting))

    def _ask(self, waiting: list[tuple[int, NodeRecord | RelRecord, bool]]) -> None:
        """Look up in Neo4j the ids the waiting records refer to that the load does not
        define (so far) and that were not asked before."""
        ids: set[str] = set()
        for _, rec, _ in waiting:
            ids.update(_refs(rec))
        ids -= self._asked
        ids.difference_update(self.v.node_ids)
        self._asked |= ids
        self.v.lookup_ids(self.graph, ids)
        self._found.update(i for i in ids if i in self.v.db_labels)

    def _rescan(self) -> None:
        """Judge the waiting records whose ids have settled, in input order."""
        keep: list[tuple[int, NodeRecord | RelRecord, bool]] = []
        held: set[str] = set()  # nodes with an earlier copy still waiting
        for entry in self._waiting:
            seq, rec, end = entry
            if end:
                keep.append(entry)
            elif isinstance(rec, NodeRecord):
                if rec.id not in held and all(map(self._settled_or_self(rec.id),
                                                  rec.props.get("sources") or ())):
                    self._undecided.discard(rec.id)
                    self._judge_node(seq, rec)
                else:
                    held.add(rec.id)
                    keep.append(entry)
            elif self._rel_ready(rec):
                self._judge_rel(seq, rec)
            else:
                keep.append(entry)
        self._waiting = keep

    def _settled_or_self(self, node_id: str) -> Callable[[str], bool]:
        """``_settled``, except that a node citing itself (a Source) waits for no one."""
        return lambda ref: ref == node_id or self._settled(ref)

    # -- the end ----------------------------------------------------------------------
    def finish(self, source: Callable[[], Iterator[Item]]) -> list[Rejection]:
        """The source has been read: judge what waits (reading the source once more only
        if repeats with other values need their first copies) and return the rejections,
        in the order of the staged validation."""
        self._finished = True
        waiting, self._waiting = self._waiting, []
        self._ask(waiting)
        if self.v.any_flagged():
            for item in source():
                if not isinstance(item, Rejection):
                    out = self.v.shape(item)
                    if not isinstance(out, Rejection):
                        self.v.reference(out)
        self._undecided.clear()
        for seq, rec, _ in waiting:
            if isinstance(rec, NodeRecord):
                self._judge_node(seq, rec)
        self.v.close_nodes()
        for seq, rec, _ in waiting:
            if isinstance(rec, RelRecord):
                self._judge_rel(seq, rec)
        self._rejections.sort(key=lambda r: (r[0], r[1]))
        return [r for _, _, r in self._rejections]


def _refs(rec: NodeRecord | RelRecord) -> Iterator[str]:
    yield from rec.props.get("sources") or ()
    if isinstance(rec, RelRecord):
        yield rec.source
        yield rec.target


def count_valid(summary: LoadSummary) -> tuple[Callable[[NodeRecord], None],
                                               Callable[[RelRecord], None]]:
    """Emitters that only count the valid records per label and type (a dry run)."""
    def node(rec: NodeRecord) -> None:
        summary.node(rec.label).valid += 1

    def rel(rec: RelRecord) -> None:
        summary.rel(rec.type).valid += 1
    return node, rel
