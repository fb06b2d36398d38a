"""Batch scheduling: which batches run at once, in background threads, and when a batch
is counted.

The writer (ingest.loader) decides what a batch holds and whether it creates or merges;
this module only runs batches, each one transaction in a thread of its own (``InFlight``),
and keeps the rules of what may be in flight together, checked by assertions at every
send (the seam: ``Scheduler.has_room`` then ``Scheduler.send``):

- at most ``in_flight`` batches at once;
- a batch that merges (*exclusive*) is never in flight with another of its label or
  type: two merges of one new identity at once would both create it, and the rows a
  merge creates could not be allowed for by a create batch's count; nor is a label's
  (type's) first batch, until it is counted (``CreatePath.counted``);
- no relationship batch while a node batch is in flight (its endpoints must be
  committed; the writer sends the nodes before it and calls ``wait_for("node:")``).

Batches are counted (their ``finish`` called, in the caller's thread) in the order they
were sent; the first that fails stops the run: its error is raised from the caller's next
wait, once the batches sent after it have ended. An ``observer`` (tests) sees every send,
with the batches still uncounted beside it, and every wait, before the caller blocks (a
batch is named by its ``token``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from threading import Thread
from typing import Protocol

from graph.db import Graph
from ingest.create_path import Batch, NodesMoved, Restart, Result


class Observer(Protocol):
    def sent(self, key: str, exclusive: bool, uncounted: list[tuple[str, bool]],
             token: int) -> None: ...

    def waiting(self) -> None: ...


class InFlight(Thread):
    """One batch being written (one transaction) while the caller builds the next."""

    def __init__(self, graph: Graph, batch: Batch) -> None:
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
                except NodesMoved:  # rolled back: redo it by index
                    batch.nodes_moved()
                except Restart:  # rolled back: redo it as one merge
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


class Scheduler:
    """The batches in flight, oldest first (module docstring)."""

    def __init__(self, graph: Graph, in_flight: int, observer: Observer | None = None
                 ) -> None:
        if in_flight < 1:
            raise ValueError("at least one batch must be allowed in flight")
        self.graph = graph
        self.in_flight = in_flight
        self.observer = observer
        #: (label or type key, exclusive, job, what counts it), oldest first
        self._pending: deque[tuple[str, bool, InFlight, Callable[[Result], None]]] = deque()

    def has_room(self, key: str, exclusive: bool) -> bool:
        """May a batch of ``key`` be sent now (``exclusive``: it merges)?"""
        return len(self._pending) < self.in_flight and not any(
            k == key and (exclusive or ex) for k, ex, _, _ in self._pending)

    def send(self, key: str, exclusive: bool, batch: Batch,
             finish: Callable[[Result], None]) -> None:
        """Start ``batch`` in a thread of its own; ``finish`` counts its result later."""
        assert self.has_room(key, exclusive), \
            f"{key}: no room, or a merge would run beside another batch of its key"
        assert not (key.startswith("rel:") and self.busy("node:")), \
            f"{key}: a relationship batch while a node batch is in flight"
        if self.observer is not None:
            self.observer.sent(key, exclusive, [(k, ex) for k, ex, _, _ in self._pending],
                               batch.token)
        self._pending.append((key, exclusive, InFlight(self.graph, batch), finish))

    def busy(self, prefix: str = "") -> bool:
        """Is a batch whose key starts with ``prefix`` sent and not yet counted?"""
        return any(k.startswith(prefix) for k, _, _, _ in self._pending)

    def idle(self) -> bool:
        """Nothing in flight, once the batches that have finished are counted (in the
        order they were sent). Why count them here: a committed batch stays pending until
        counted, and the server would sit idle while the caller, seeing it there, went on
        filling buffers (BENCHMARKS.md, "Ingest": a 10^4 load sent one batch before its
        end)."""
        pending = self._pending
        while pending and not pending[0][2].is_alive():
            self.wait_oldest()
        return not pending

    def wait_oldest(self) -> None:
        """Wait for the oldest batch and count it (raises its error)."""
        if self.observer is not None:
            self.observer.waiting()
        _, _, job, finish = self._pending.popleft()
        try:
            result = job.wait()
        except BaseException:
            self.abandon()
            raise
        finish(result)

    def abandon(self) -> None:
        """The run stops (a batch failed, or the caller did): wait for the batches still
        in flight to end, uncounted, so that no write of this run lands after its error
        reached the caller (a re-run started at once would race them)."""
        for _, _, job, _ in self._pending:
            job.join()
        self._pending.clear()

    def wait_for(self, prefix: str = "") -> None:
        """Count batches, oldest first, until none whose key starts with ``prefix`` is
        pending."""
        while self.busy(prefix):
            self.wait_oldest()

    def wait_for_server(self) -> None:
        """A barrier: return once every batch sent so far has finished on the server
        (committed or failed); they are still counted only by the next wait."""
        if self.observer is not None:
            self.observer.waiting()
        for _, _, job, _ in list(self._pending):
            job.join()
