"""One measured load, run in its own process so its peak memory is its own.

``python -m bench.ingest_worker --nodes N --seed S --batch B --baseline K`` connects to
the Neo4j named by the environment (the bench server), streams a synthetic graph of N
nodes into it with ``ingest.loader.Writer`` (batched ``UNWIND ... MERGE``), and
writes a sample of K relationships one row per transaction with the same MERGE query, for
the baseline. The sample is every k-th relationship of the stream (so it has the same mix
of types as the batched part) and is held out of the batched load, so both measurements
create new relationships in the same database. Prints one JSON object on stdout.

``python -m bench.ingest_worker --file F [--null-db]`` instead loads a file the way
``stackgraph ingest F`` does (``ingest.formats.build_source``, ``ingest.pipeline.run_load``:
reading, validation, the writer), into the environment's Neo4j or, with ``--null-db``,
into nothing: the loader's own peak RSS and CPU per item (BENCHMARKS.md, "peak loader
memory at 10^6").
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import resource
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from bench.common import cpu_seconds, thread_cpu_seconds, wait_quiet
from bench.generate import synthetic_graph
from graph.db import Graph, open_graph
from ingest.formats import build_source
from ingest.loader import DEFAULT_BATCH, LoadSummary, Writer, load_runtime, rel_query, rel_row
from ingest.pipeline import Item, run_load
from ingest.records import RelRecord

T = TypeVar("T")


class _CountingTx:
    """The loader's transaction as the bench hands it over: counts the rows each query
    sends; with no transaction (``NullGraph``) it answers every row as created."""

    def __init__(self, graph: TimedGraph, tx: Any | None) -> None:
        self.graph, self.tx = graph, tx

    def run(self, query: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        n = len((params or {}).get("rows", ()))
        self.graph.rows_written += n
        if self.tx is None:
            return _NullResult(n)
        return self.tx.run(query, params, **kw)


class _AnyCount:
    """The null database's answer to the create path's count query: equal to any count,
    so every batch takes the create path."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = None  # type: ignore[assignment]


class _NullResult:
    def __init__(self, n: int) -> None:
        self.n = n

    def single(self, strict: bool = False) -> dict[str, Any]:
        n = self.n
        return {"present": _AnyCount(), "written": n, "created": n, "updated": 0,
                "unchanged": 0}


class TimedGraph(Graph):
    """A ``Graph`` that adds up the wall time spent in write transactions (round trips to
    Neo4j), so the figures can tell the database's share from the Python side's
    (generation, row building)."""

    write_seconds = 0.0
    writes = 0
    #: (records written so far, this process's RSS in MiB), every 10th write: a flat
    #: curve is what streaming looks like
    rss_curve: list[tuple[int, float]]
    rows_written = 0

    def _counted_write(self) -> None:
        self.writes += 1
        if self.writes % 10 == 0:
            self.rss_curve.append((self.rows_written, _rss_mib()))

    def execute_write(self, work: Callable[[Any], T]) -> T:
        t0 = time.perf_counter()
        try:
            return super().execute_write(lambda tx: work(_CountingTx(self, tx)))
        finally:
            self.write_seconds += time.perf_counter() - t0
            self._counted_write()


class NullGraph(TimedGraph):
    """Neo4j replaced by a no-op that reports every row as created: what the loader
    process itself costs (generation, batching, row building) in time and memory, without
    the database. Parameters are not even serialised, so this is a ceiling for the client
    side, not an ingest rate."""

    def __init__(self) -> None:  # no driver at all
        self.rss_curve = []

    def execute_write(self, work: Callable[[Any], T]) -> T:
        try:
            return work(_CountingTx(self, None))
        finally:
            self._counted_write()

    def read(self, text: str, params: Mapping[str, Any] | None = None,
             timeout: float | None = None, *, plain: bool = False) -> list[dict[str, Any]]:
        """An empty database: no id the load refers to is found in it."""
        return []

    def close(self) -> None:
        pass


class _Retries(logging.Handler):
    """Counts the transactions the driver retried (a deadlock between the two batches in
    flight, say): each costs a rollback and a back-off of about a second."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "will be retried" in record.getMessage():
            self.count += 1


def _rss_mib() -> float:
    """Current resident memory of this process (the loader), MiB."""
    with open("/proc/self/statm") as f:
        return round(int(f.read().split()[1]) * resource.getpagesize() / 2**20, 1)


def _split(rels: Iterator[RelRecord], stride: int, limit: int,
           sample: list[RelRecord]) -> Iterator[RelRecord]:
    """Yield the stream minus every ``stride``-th record (up to ``limit``), which go to
    ``sample``."""
    for i, rec in enumerate(rels):
        if i % stride == 0 and len(sample) < limit:
            sample.append(rec)
        else:
            yield rec


class _Cpu:
    """CPU seconds used by this process and by the Neo4j server (``BENCH_SERVER_PID``),
    per phase: a figure less sensitive to other work on the machine than wall time."""

    def __init__(self) -> None:
        pid = os.environ.get("BENCH_SERVER_PID")
        self.server_pid = int(pid) if pid else None
        self.mark = self._now()
        self.threads = self._threads()

    def _now(self) -> tuple[float, float]:
        me = resource.getrusage(resource.RUSAGE_SELF)
        server = 0.0
        if self.server_pid:
            with contextlib.suppress(OSError):
                server = cpu_seconds(self.server_pid)
        return me.ru_utime + me.ru_stime, server

    def _threads(self) -> dict[str, float]:
        if not self.server_pid:
            return {}
        try:
            return thread_cpu_seconds(self.server_pid)
        except OSError:
            return {}

    def lap(self) -> dict[str, Any]:
        now, threads = self._now(), self._threads()
        loader, server = now[0] - self.mark[0], now[1] - self.mark[1]
        by_kind = {k: round(v - self.threads.get(k, 0.0), 2) for k, v in threads.items()}
        self.mark, self.threads = now, threads
        out: dict[str, Any] = {"loader_cpu_seconds": round(loader, 2)}
        if self.server_pid:
            out["server_cpu_seconds"] = round(server, 2)
            # the server's CPU by kind of thread, the busiest first (>= 0.05 s)
            out["server_threads"] = dict(sorted(
                ((k, v) for k, v in by_kind.items() if v >= 0.05),
                key=lambda kv: -kv[1]))
        return out


def _cpu_total(lap: dict[str, Any]) -> float:
    """Loader + server CPU seconds of one phase."""
    return float(lap["loader_cpu_seconds"] + lap.get("server_cpu_seconds", 0.0))


def run(nodes: int, seed: int, batch: int, baseline: int,
        graph_: Graph | None = None, null_db: bool = False,
        hold_out_only: bool = False) -> dict[str, Any]:
    """Load, measure, return the figures. ``graph_``: an open graph to use (tests); by
    default the one the environment names, closed at the end. ``null_db``: write nowhere
    (see ``NullGraph``). ``hold_out_only``: the baseline's sample is held out of the load
    but not written (a repeat of a load whose baseline was measured: the same graph)."""
    graph: TimedGraph
    if null_db:
        base: Graph = NullGraph()
        graph = NullGraph()
        baseline = 0
    else:
        base = graph_ or open_graph()
        graph = TimedGraph(base.driver, base.database, base.timeout, base.target)
        graph.rss_curve = []
    node_iter, rel_iter = synthetic_graph(nodes, seed)
    sample: list[RelRecord] = []
    stride = max(1, (5 * nodes) // max(baseline, 1))
    out: dict[str, Any] = {"nodes": nodes, "seed": seed, "batch_size": batch,
                           "null_db": null_db}
    retries = _Retries()
    logging.getLogger("neo4j").addHandler(retries)
    with load_runtime():  # as `stackgraph ingest` runs its loads
        try:
            cpu = _Cpu()
            # one writer for both phases, as `stackgraph ingest` does: the relationships of
            # the nodes it created find their endpoints by internal id (ingest/loader.py)
            summary = LoadSummary()
            writer = Writer(graph, summary, batch)
            t0 = time.perf_counter()
            for node in node_iter:
                writer.add_node(node)
            writer.flush()
            t1 = time.perf_counter()
            out["node_cpu"] = cpu.lap()
            out["nodes_written"] = summary.nodes_written
            out["node_seconds"] = round(t1 - t0, 3)
            out["node_write_seconds"] = round(graph.write_seconds, 3)
            graph.write_seconds, graph.writes = 0.0, 0
            # the relationship phase is timed once the server has done the node phase's
            # after-work (wait_quiet: its JIT compiling the node path, index updates)
            out["waited_after_nodes_seconds"] = wait_quiet(cpu.server_pid)
            cpu.lap()
            t0 = time.perf_counter()
            for rel in _split(rel_iter, stride, baseline, sample):
                writer.add_rel(rel)
            writer.flush()
            t1 = time.perf_counter()
            out["rel_cpu"] = cpu.lap()
            rels = summary.rels_written
            out["rels_written"] = rels
            out["rel_seconds"] = round(t1 - t0, 3)
            out["rel_write_seconds"] = round(graph.write_seconds, 3)
            out["rel_transactions"] = graph.writes
            out["rels_per_second"] = round(rels / (t1 - t0), 1)
            out["rels_per_second_db_only"] = (round(rels / graph.write_seconds, 1)
                                              if graph.write_seconds else None)
            out["rels_per_cpu_second"] = round(rels / _cpu_total(out["rel_cpu"]), 1)
            out["rels_created"] = sum(c.created for c in summary.rels.values())
            out["rejected"] = len(summary.errors)
            out["transaction_retries"] = retries.count

            if sample and not hold_out_only:
                graph.write_seconds, graph.writes = 0.0, 0
                t0 = time.perf_counter()
                for rec in sample:
                    graph.write(rel_query(rec.type), {"rows": [rel_row(rec)]}, timeout=0)
                t1 = time.perf_counter()
                out["baseline_cpu"] = cpu.lap()
                out["baseline_rels_per_cpu_second"] = round(
                    len(sample) / _cpu_total(out["baseline_cpu"]), 1)
                out["baseline_rels"] = len(sample)
                out["baseline_seconds"] = round(t1 - t0, 3)
                out["baseline_rels_per_second"] = round(len(sample) / (t1 - t0), 1)
                out["speedup"] = round(out["rels_per_second"] / out["baseline_rels_per_second"], 1)
                out["speedup_cpu"] = round(out["rels_per_cpu_second"]
                                           / out["baseline_rels_per_cpu_second"], 1)
        finally:
            logging.getLogger("neo4j").removeHandler(retries)
            if graph_ is None:
                base.close()
    curve = graph.rss_curve
    step = max(1, len(curve) // 20)
    out["loader_rss_curve_mib"] = curve[::step] + curve[-1:]
    # ru_maxrss is in KiB on Linux
    out["loader_max_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                      / 1024, 1)
    return out


def run_file(path: Path, batch: int, null_db: bool = False) -> dict[str, Any]:
    """Load ``path`` as ``stackgraph ingest`` does, into the environment's Neo4j or (with
    ``null_db``) into nothing; return the loader's items, CPU and peak RSS."""
    graph: Graph = NullGraph() if null_db else open_graph()
    items = 0

    def counted(source: Callable[[], Iterable[Item]]) -> Callable[[], Iterator[Item]]:
        def read() -> Iterator[Item]:
            nonlocal items
            for item in source():
                items += 1
                yield item
        return read

    t0, cpu0 = time.perf_counter(), _cpu_self()
    try:
        with load_runtime():
            source = build_source([path], None, graph)
            summary = run_load(graph, counted(source), batch_size=batch, progress=False)
    finally:
        graph.close()
    wall, cpu = time.perf_counter() - t0, _cpu_self() - cpu0
    return {"file": str(path), "null_db": null_db, "batch_size": batch,
            "items_read": items, "nodes_written": summary.nodes_written,
            "rels_written": summary.rels_written, "rejected": len(summary.errors),
            "wall_seconds": round(wall, 2), "items_per_second": round(items / wall, 1),
            "loader_cpu_seconds": round(cpu, 2),
            "loader_cpu_us_per_item": round(cpu / max(items, 1) * 1e6, 2),
            # ru_maxrss is in KiB on Linux
            "loader_max_rss_mib": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def _cpu_self() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ingest_worker",
                                description="one measured load of a synthetic graph")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--nodes", type=int, help="a synthetic graph of this many nodes")
    what.add_argument("--file", type=Path,
                      help="a file, loaded as `stackgraph ingest FILE` does")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=None,
                   help=f"rows per transaction (5000; with --file, stackgraph ingest's "
                        f"{DEFAULT_BATCH})")
    p.add_argument("--baseline", type=int, default=0,
                   help="relationships to write one row per transaction (0: none)")
    p.add_argument("--null-db", action="store_true",
                   help="write nowhere: the loader process's own time and memory")
    p.add_argument("--hold-out-only", action="store_true",
                   help="hold the baseline's sample out of the load but do not write it")
    args = p.parse_args(argv)
    if args.file is not None:
        result = run_file(args.file, args.batch or DEFAULT_BATCH, args.null_db)
        sys.stdout.write(json.dumps(result) + "\n")
        return 0
    result = run(args.nodes, args.seed, args.batch or 5000, args.baseline, null_db=args.null_db,
                 hold_out_only=args.hold_out_only)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
