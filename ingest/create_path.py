"""The create path: a batch of rows known new runs plain ``CREATE`` (about a third of the
merge query's cost per relationship on Neo4j), guarded by the count of its label (type).

A row takes that path when its label (type) holds what this load may have made it —
read from the count store in the batch's transaction just before the create query
(``CreatePath.allowed``), so a label another writer has filled falls back to MERGE — and
its id (identity) was certainly not sent before by this load (``ingest.seen.SeenFilter``,
a Bloom filter: a false "maybe" only costs the MERGE path). The rows it says "maybe" to
wait (``Deferred``) and are merged later in batches of their own. The first batch of a
label that is not empty finds so and merges; the rest of the load merges too.

``Batch.run`` is one batch's transaction: create parts (relationships by element id of
their endpoints when both are nodes this load created, else by index), then merge rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

from neo4j import ManagedTransaction

from ingest.rows import Rows
from ingest.seen import SeenFilter

Result = dict[str, int]
ZERO: Result = {"written": 0, "created": 0, "updated": 0, "unchanged": 0}

#: At most this many element ids are remembered per load (~200 bytes each); the
#: relationships of nodes beyond it find their endpoints by index.
NODE_IDS_MAX = 2_000_000


class NodesMoved(Exception):
    """A by-node create row found no endpoint: a node this load created was deleted (its
    element id maybe reused) by another writer. The transaction is rolled back and the
    batch redone by index."""


class Restart(Exception):
    """A create query after the first found the label (type) changed by another writer
    mid-transaction: rolled back and redone as one merge."""


@dataclass
class Batch:
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
    #: in it (``CreatePath.allowed``)
    state: CreatePath | None = None
    token: int = 0
    #: ``CreatePath.mark``, taken before the transaction begins
    mark: int = 0
    #: set by ``run`` for node batches: [id, element id] of each node created
    created_ids: list[list[Any]] = field(default_factory=list)
    #: set when the by-node rows found a node gone and were redone by index
    moved: bool = False

    def nodes_moved(self) -> None:
        """Send the by-node rows by index instead (see ``NodesMoved``)."""
        by_node = [[r[3], r[4], r[2], *r[5:]] for r in self.parts.pop(True, [])]
        self.parts = {False: by_node + self.parts.get(False, [])}
        self.moved = True

    def merge_all(self) -> None:
        """Send every row to the merge query (see ``Restart``)."""
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
                    raise Restart
                stale = True
                break
            res = tx.run(self.create_query(by_node), {"rows": Rows(rows)}).single(strict=True)
            if by_node and res["created"] != len(rows):
                raise NodesMoved
            total["written"] += res["created"]
            total["created"] += res["created"]
            self.created_ids.extend(res.get("ids") or [])
        merge = self.new_as_merge + self.merge if stale else self.merge
        if merge:
            res = tx.run(self.merge_query, {"rows": Rows(merge)}).single(strict=True)
            for k in total:
                total[k] += res[k]
        return total


@dataclass
class CreatePath:
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

    def counted(self) -> bool:
        """Has a batch of the label (type) been counted? Until then its first batch is
        alone in flight (``Writer._send``): with another create batch beside it, a label
        already holding as many rows as that batch (a re-run after an interrupted load)
        would pass its count check, and the first batch would create what exists."""
        with self.lock:
            return len(self.totals) > 1

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
            assert 0 <= mark < len(totals), "a mark is taken from the batches counted"
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
            assert token not in self.in_flight, "a batch is sent once"
            self.in_flight[token] = rows

    def done(self, token: int, created: int) -> None:
        assert created >= 0
        with self.lock:
            self.in_flight.pop(token, None)
            self.totals.append(self.totals[-1] + created)


@dataclass
class Deferred:
    """The rows of a create-path label (type) the seen filter said "maybe" to, by id
    (identity), folded: merged later in their own batch (see ``Writer._send``)."""

    rows: dict[Any, dict[str, Any]] = field(default_factory=dict)
    #: rows folded into one already here (counted unchanged, as ``dedupe``'s)
    folded: int = 0
