"""One measured load, run in its own process so its peak memory is its own.

``python -m bench.ingest_worker --nodes N --seed S --batch B --baseline K`` connects to
the Neo4j named by the environment (the bench server), streams a synthetic graph of N
nodes into it with ``ingest.loader.load_records`` (batched ``UNWIND ... MERGE``), and
writes a sample of K relationships one row per transaction with the same MERGE query, for
the baseline. The sample is every k-th relationship of the stream (so it has the same mix
of types as the batched part) and is held out of the batched load, so both measurements
create new relationships in the same database. Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Iterator, Mapping
from typing import Any

from bench.generate import synthetic_graph
from graph.db import Graph, open_graph
from ingest.loader import load_records, rel_query, rel_row
from ingest.records import RelRecord


class TimedGraph(Graph):
    """A ``Graph`` that adds up the wall time spent in ``write`` (round trip to Neo4j),
    so the figures can tell the database's share from the Python side's (generation,
    row building)."""

    write_seconds = 0.0
    writes = 0

    def write(self, text: str, params: Mapping[str, Any] | None = None,
              timeout: float | None = None) -> list[dict[str, Any]]:
        t0 = time.perf_counter()
        try:
            return super().write(text, params, timeout)
        finally:
            self.write_seconds += time.perf_counter() - t0
            self.writes += 1


def _split(rels: Iterator[RelRecord], stride: int, limit: int,
           sample: list[RelRecord]) -> Iterator[RelRecord]:
    """Yield the stream minus every ``stride``-th record (up to ``limit``), which go to
    ``sample``."""
    for i, rec in enumerate(rels):
        if i % stride == 0 and len(sample) < limit:
            sample.append(rec)
        else:
            yield rec


def run(nodes: int, seed: int, batch: int, baseline: int,
        graph_: Graph | None = None) -> dict[str, Any]:
    """Load, measure, return the figures. ``graph_``: an open graph to use (tests); by
    default the one the environment names, closed at the end."""
    base = graph_ or open_graph()
    graph = TimedGraph(base.driver, base.database, base.timeout, base.target)
    node_iter, rel_iter = synthetic_graph(nodes, seed)
    sample: list[RelRecord] = []
    stride = max(1, (5 * nodes) // max(baseline, 1))
    out: dict[str, Any] = {"nodes": nodes, "seed": seed, "batch_size": batch}
    try:
        t0 = time.perf_counter()
        summary = load_records(graph, node_iter, [], batch)
        t1 = time.perf_counter()
        out["nodes_written"] = summary.nodes_written
        out["node_seconds"] = round(t1 - t0, 3)
        out["node_write_seconds"] = round(graph.write_seconds, 3)
        graph.write_seconds, graph.writes = 0.0, 0
        t0 = time.perf_counter()
        summary = load_records(graph, [], _split(rel_iter, stride, baseline, sample), batch)
        t1 = time.perf_counter()
        rels = summary.rels_written
        out["rels_written"] = rels
        out["rel_seconds"] = round(t1 - t0, 3)
        out["rel_write_seconds"] = round(graph.write_seconds, 3)
        out["rel_transactions"] = graph.writes
        out["rels_per_second"] = round(rels / (t1 - t0), 1)
        out["rels_per_second_db_only"] = round(rels / graph.write_seconds, 1)
        out["rels_created"] = sum(c.created for c in summary.rels.values())
        out["rejected"] = len(summary.errors)

        if sample:
            graph.write_seconds, graph.writes = 0.0, 0
            t0 = time.perf_counter()
            for rec in sample:
                graph.write(rel_query(rec.type), {"rows": [rel_row(rec)]}, timeout=0)
            t1 = time.perf_counter()
            out["baseline_rels"] = len(sample)
            out["baseline_seconds"] = round(t1 - t0, 3)
            out["baseline_rels_per_second"] = round(len(sample) / (t1 - t0), 1)
            out["speedup"] = round(out["rels_per_second"] / out["baseline_rels_per_second"], 1)
    finally:
        if graph_ is None:
            base.close()
    # ru_maxrss is in KiB on Linux
    out["loader_max_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                      / 1024, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ingest_worker",
                                description="one measured load of a synthetic graph")
    p.add_argument("--nodes", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=5000)
    p.add_argument("--baseline", type=int, default=0,
                   help="relationships to write one row per transaction (0: none)")
    args = p.parse_args(argv)
    result = run(args.nodes, args.seed, args.batch, args.baseline)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
