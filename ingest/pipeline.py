"""One load: read the source, judge each record, write the valid ones in batches.

A load takes a *source*: a function that returns a fresh iterator over the records (and
reader rejections) of the input each time it is called, so a file of millions of records
loads in bounded memory without being held.

By default the source is read **once**: ``ingest.judge`` gives each record its verdict as
soon as the ids it refers to are settled (in an APOC export, at once) and hands the valid
ones straight to the writer (``ingest.loader.Writer``), which sends a relationship batch
only once the nodes before it are committed. Records that refer to ids defined further on
wait (in memory) for them; a repeat with other values than its first copy waits for the
end, when one more read finds the first copies (only then).

With ``strict``, every verdict is in before anything is written: the judging read
writes nothing, any rejection stops the run there, and two more reads write the nodes,
then the relationships. ``dry_run`` stops after the judging read and reports what would
be written. Readers are deterministic, so the n-th item is the same record in every
read: rejected items are remembered by their position.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from graph.db import Graph
from ingest.dated import expand_dated
from ingest.judge import Judge, count_valid
from ingest.loader import DEFAULT_BATCH, LoadSummary, Writer
from ingest.records import NodeRecord, Rejection, RelRecord
from ingest.validate import Validator

Item = NodeRecord | RelRecord | Rejection
Source = Callable[[], Iterable[Item]]


def chain_sources(*sources: Source) -> Source:
    """One source reading several in order."""
    def read() -> Iterator[Item]:
        for src in sources:
            yield from src()
    return read


def list_source(items: list[Item]) -> Source:
    """A source over records already in memory (small inputs: curated YAML, ETO, Epoch)."""
    return lambda: iter(items)


class _Progress:
    """A rich progress bar on a terminal, nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    @contextmanager
    def running(self) -> Iterator[_Progress]:
        if not self.enabled:
            yield self
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        with Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=Console(stderr=True),
                      transient=False) as bar:
            self._bar = bar
            yield self
        self._bar = None

    def task(self, name: str, total: int | None) -> None:
        if self._bar is not None:
            self._tasks[name] = self._bar.add_task(name, total=total)

    def finish(self, name: str) -> None:
        """Give an open-ended task its total once it is known (the bar then reads full)."""
        if self._bar is not None and name in self._tasks:
            task = self._tasks[name]
            done = self._bar.tasks[task].completed
            self._bar.update(task, total=done, completed=done)

    def advance(self, name: str, n: int = 1) -> None:
        if self._bar is not None and name in self._tasks:
            self._bar.advance(self._tasks[name], n)


def run_load(graph: Graph | None, source: Source, *, batch_size: int = DEFAULT_BATCH,
             dry_run: bool = False, strict: bool = False, progress: bool | None = None,
             summary: LoadSummary | None = None) -> LoadSummary:
    """Validate every record of ``source`` against the schema and the database and write
    the valid ones (unless ``dry_run``, or ``strict`` and something was rejected).

    ``graph`` may be None only for a dry run without a database (ids are then checked
    against the load alone).
    """
    summary = summary or LoadSummary()
    summary.dry_run = dry_run
    source = expand_dated(source)
    if progress is None:
        progress = sys.stderr.isatty()
    bar = _Progress(bool(progress))
    v = Validator()
    before = len(summary.rejections)
    writes = graph is not None and not dry_run
    with bar.running():
        writer = _writer(graph, summary, batch_size, bar) if writes and not strict else None
        valid = LoadSummary()  # what a dry (or stopped) run reports as ``valid``
        emit_node, emit_rel = ((writer.add_node, writer.add_rel) if writer is not None
                               else count_valid(valid))
        judge = Judge(v, graph, emit_node, emit_rel)
        bar.task("reading", None)
        with _stopping(writer):
            for seq, item in enumerate(source()):
                judge.feed(seq, item)
                if not seq % PROGRESS_EVERY:
                    bar.advance("reading", PROGRESS_EVERY)
            bar.finish("reading")
            rejections = judge.finish(source)
            if writer is not None:  # the default: written as judged
                writer.flush()
        # the verdicts before what the writer found (an endpoint gone during the load)
        found = summary.rejections[before:]
        del summary.rejections[before:]
        for rej in rejections:
            summary.count_rejection(rej)
        summary.rejections.extend(found)
        if writer is not None:
            return summary
        if not writes or summary.errors:
            summary.aborted = bool(strict and summary.errors)
            summary.merge(valid)
            return summary
        # --strict and nothing rejected: now write what was judged
        assert strict and graph is not None
        writer = _writer(graph, summary, batch_size, bar)
        with _stopping(writer):
            for kind in (NodeRecord, RelRecord):
                _write_pass(source, v, judge.rejected, writer, kind)
                writer.flush()
    return summary


@contextmanager
def _stopping(writer: Writer | None) -> Iterator[None]:
    """On any error (a batch's, the reader's, an interrupt), the writer's batches in flight
    end before it propagates: nothing of this run is written after the caller sees it."""
    try:
        yield
    except BaseException:
        if writer is not None:
            writer.abandon()
        raise


PROGRESS_EVERY = 1024


def _writer(graph: Graph | None, summary: LoadSummary, batch_size: int,
            bar: _Progress) -> Writer:
    assert graph is not None
    bar.task("writing nodes", None)
    bar.task("writing relationships", None)
    return Writer(graph, summary, batch_size, on_batch=lambda kind, n: bar.advance(
        "writing nodes" if kind == "node" else "writing relationships", n))


def _write_pass(source: Source, v: Validator, rejected: set[int], writer: Writer,
                kind: type[NodeRecord] | type[RelRecord]) -> None:
    """A strict load's write: the records of one kind that were judged valid, shaped
    again (shaping is deterministic) and handed to the writer."""
    for seq, item in enumerate(source()):
        if isinstance(item, kind) and seq not in rejected:
            rec = v.shape(item)
            assert not isinstance(rec, Rejection), "judged valid, so shaped before"
            if isinstance(rec, NodeRecord):
                writer.add_node(rec)
            else:
                writer.add_rel(rec)
