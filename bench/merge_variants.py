"""Experiment: what the relationship merge query costs Neo4j, against simpler forms.

``python -m bench.merge_variants [--nodes N]`` loads the nodes of a synthetic graph into
the bench server ``bench-variants`` (slot 3), then writes the same relationships three
times into a fresh database each — the loader's ``merge_rels`` query, a plain
``MERGE ... SET`` (``variant_merge_simple.cypher``), and ``CREATE`` (``variant_create``) —
5,000 rows a transaction, and reports the Neo4j server's CPU-seconds per 1,000
relationships for each (CPU time, so other work on the machine matters less than for wall
time). It tells the ingest side how much of the load time its query's extra work costs.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from bench.common import bench_settings, contention, cpu_seconds, save
from bench.generate import synthetic_graph
from bench.ingest import clear
from graph.cypher import render
from graph.db import Graph, cypher, open_graph
from graph.server import ManagedServer
from ingest.loader import batched, load_records, rel_query, rel_row


def _variant(name: str, rel_type: str) -> str:
    if name == "loader":
        return rel_query(rel_type)
    return render(cypher(__file__, f"variant_{name}"), type=rel_type)


def _write(graph: Graph, name: str, nodes: int, seed: int, batch: int) -> int:
    _, rels = synthetic_graph(nodes, seed)
    n = 0
    for chunk in batched(rels, batch):
        by_type: dict[str, list[dict[str, Any]]] = {}
        for rec in chunk:
            by_type.setdefault(rec.type, []).append(rel_row(rec))
        for rel_type, rows in by_type.items():
            graph.write(_variant(name, rel_type), {"rows": rows}, timeout=0)
            n += len(rows)
    return n


def run(nodes: int, seed: int = 0, batch: int = 5000) -> dict[str, Any]:
    server = ManagedServer(bench_settings("variants", 3))
    out: dict[str, Any] = {"benchmark": "merge_variants", "nodes": nodes, "batch": batch,
                           "variants": {}}
    try:
        for name in ("loader", "merge_simple", "create"):
            clear(server, nodes)
            with open_graph(server.settings) as graph:
                node_iter, _ = synthetic_graph(nodes, seed)
                load_records(graph, node_iter, [], batch)
                pid = server.pid()
                assert pid is not None
                cpu0, t0 = cpu_seconds(pid), time.perf_counter()
                n = _write(graph, name, nodes, seed, batch)
                cpu, wall = cpu_seconds(pid) - cpu0, time.perf_counter() - t0
            out["variants"][name] = {
                "rels": n, "server_cpu_seconds": round(cpu, 2), "wall_seconds": round(wall, 2),
                "server_cpu_ms_per_1000_rels": round(1000 * cpu / n * 1000, 1),
                "contention": contention()}
            print(f"  {name:>12}: {n:,} rels, Neo4j {1e6 * cpu / n:,.0f} ms CPU per 1,000 "
                  f"rels ({n / cpu:,.0f} rel per server CPU-second), wall {n / wall:,.0f} "
                  "rel/s", flush=True)
    finally:
        server.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.merge_variants", description=__doc__)
    p.add_argument("--nodes", type=int, default=50_000)
    args = p.parse_args(argv)
    result = run(args.nodes)
    print(json.dumps(result["variants"], indent=1))
    print(f"  -> {save('merge_variants', result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
