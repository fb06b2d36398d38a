"""One load: read, validate everything, then write in batches.

A load takes a *source*: a function that returns a fresh iterator over the records (and
reader rejections) of the input each time it is called. The input is read several times
instead of being held in memory, so a file of millions of records loads in bounded memory:

1. validate each record on its own and note the ids it refers to;
2. one batched lookup of the referenced ids that the load does not define;
3. nodes: are their sources defined, are repeats consistent?
4. relationships: sources, endpoints, repeats;
5. write the nodes, then 6. the relationships, in batches (one transaction each).

Without ``strict``, 3 and 5 share one read of the input and so do 4 and 6 (all nodes are
judged and written before any relationship is judged). With ``strict`` every verdict is in
before anything is written, and any rejection stops the run there; ``dry_run`` stops there
too and reports what would be written.

Readers are deterministic, so the n-th item is the same record in every pass: rejected
items are remembered by their position.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from graph.db import Graph
from ingest.dated import expand_dated
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
    """Validate every record of ``source`` against the schema and the database, then write
    the valid ones (unless ``dry_run``, or ``strict`` and something was rejected).

    ``graph`` may be None only for a dry run without a database (ids are then checked
    against the load alone).
    """
    summary = summary or LoadSummary()
    summary.dry_run = dry_run
    source = expand_dated(source)
    if progress is None:
        progress = sys.stderr.isatty()
    v = Validator()
    rejected: set[int] = set()
    n_nodes = n_rels = 0
    bar = _Progress(bool(progress))
    with bar.running():
        bar.task("validating", None)
        # 1. each record on its own
        for seq, item in enumerate(source()):
            if isinstance(item, Rejection):
                summary.count_rejection(item)
                continue
            out: Any
            if isinstance(item, NodeRecord):
                n_nodes += 1
                out = v.observe_node(item)
            else:
                n_rels += 1
                out = v.observe_rel(item)
            if isinstance(out, Rejection):
                rejected.add(seq)
                summary.count_rejection(out)
            bar.advance("validating")
        bar.finish("validating")
        # 2. what the database holds
        v.lookup(graph)
        writer: Writer | None = None
        if graph is not None and not dry_run:
            bar.task("writing nodes", n_nodes)
            bar.task("writing relationships", n_rels)
            writer = Writer(graph, summary, batch_size, on_batch=lambda kind, n: bar.advance(
                "writing nodes" if kind == "node" else "writing relationships", n))
        # Without --strict, judging and writing share a pass (3 reads of the input in all);
        # with --strict or --dry-run every verdict is in before the first write.
        judge_first = writer is None or strict
        _node_pass(source, v, rejected, summary, None if judge_first else writer, judge=True)
        _rel_pass(source, v, rejected, summary, None if judge_first else writer, judge=True)
        if writer is None or (strict and summary.errors):
            summary.aborted = bool(strict and summary.errors)
            _dry_counts(summary, source, rejected)
            return summary
        if judge_first:
            _node_pass(source, v, rejected, summary, writer, judge=False)
            _rel_pass(source, v, rejected, summary, writer, judge=False)
    return summary


def _node_pass(source: Source, v: Validator, rejected: set[int], summary: LoadSummary,
               writer: Writer | None, judge: bool) -> None:
    """3. (judge) are the nodes' sources defined, are repeats consistent; and/or 5.
    write the valid nodes."""
    _record_pass(source, v, rejected, summary, writer, judge, NodeRecord)
    if judge:
        v.close_nodes()
    if writer is not None:
        writer.flush()


def _rel_pass(source: Source, v: Validator, rejected: set[int], summary: LoadSummary,
              writer: Writer | None, judge: bool) -> None:
    """4. (judge) endpoints, sources, repeats of the relationships; and/or 6. write them."""
    _record_pass(source, v, rejected, summary, writer, judge, RelRecord)
    if writer is not None:
        writer.flush()


def _record_pass(source: Source, v: Validator, rejected: set[int], summary: LoadSummary,
                 writer: Writer | None, judge: bool,
                 kind: type[NodeRecord] | type[RelRecord]) -> None:
    """One pass over the records of one kind: shape each, judge it (when asked) and hand
    the valid ones to the writer (the caller flushes it)."""
    nodes = kind is NodeRecord
    shape = v.shape_node if nodes else v.shape_rel
    final = v.final_node if nodes else v.final_rel
    for seq, item in enumerate(source()):
        if not isinstance(item, kind) or seq in rejected:
            continue
        record = shape(item)  # type: ignore[arg-type]
        assert isinstance(record, kind)
        if judge:
            rej = final(record)  # type: ignore[arg-type]
            if rej:
                rejected.add(seq)
                summary.count_rejection(rej)
                continue
        if writer is not None:
            if isinstance(record, NodeRecord):
                writer.add_node(record)
            else:
                writer.add_rel(record)


def _dry_counts(summary: LoadSummary, source: Source, rejected: set[int]) -> None:
    """For a dry run (or a strict run that stopped): how many records per label and type
    passed validation and would be written (``valid``); nothing is created or updated."""
    for seq, item in enumerate(source()):
        if seq in rejected or isinstance(item, Rejection):
            continue
        if isinstance(item, NodeRecord):
            summary.node(item.label).valid += 1
        else:
            summary.rel(item.type).valid += 1
