"""Latency of the analytic questions on synthetic graphs (``python -m bench queries``).

For each size: a bench server of its own (``.stackgraph/bench-queries``, Bolt 17722),
loaded once with ``bench.generate`` (kept between runs when it already holds that graph),
then every question run warm — a few untimed warm-up calls, then ``--runs`` timed calls
(>= 100) with starting ids drawn at random from the graph's own ids — and p50 / p99 / mean
written to ``bench/results/queries-<n>.json``.

Questions (targets at 10^6 nodes on the 2-core machine in brackets): diversion from a chip
or firm, max 4 hops [p50 <= 100 ms]; stakes of one firm [<= 50 ms]; chokepoints of one
chip [<= 500 ms]; what-if removal of one country [<= 2 s]; the license question for a
chip and an owned firm under 'current' [<= 50 ms]; shortest paths between two firms; the
seven bundled scenarios compared (``compare``; its target, <= 2 s, is on the bundled data:
``python -m bench policy``).
Latency is the whole Python call (validation, Cypher, result models), as the API and CLI
see it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import RESULTS, bench_settings, machine, wipe_store
from bench.generate import Plan, synthetic_graph
from graph.db import Graph, apply_schema, open_graph
from graph.server import ManagedServer
from graph.settings import Settings
from ingest.loader import load_records

SLOT = 2
SIZES = [100_000]
LARGE = 1_000_000
TARGETS_MS = {"diversion": 100, "stakes": 50, "chokepoints": 500, "what_if": 2000,
              "license": 50}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def _marker(graph: Graph) -> dict[str, Any]:
    rows = graph.read("MATCH (n:Entity) RETURN count(n) AS n", timeout=0)
    return {"nodes": rows[0]["n"]}


def ensure_loaded(server: ManagedServer, nodes: int, seed: int) -> dict[str, Any]:
    """Start the bench server; (re)load the synthetic graph unless it is already there."""
    server.start(quiet=True)
    stamp = server.settings.home / f"loaded-{nodes}-{seed}"
    with open_graph(server.settings) as graph:
        if stamp.exists() and _marker(graph)["nodes"] == nodes:
            return {"reloaded": False, "load_seconds": None}
    server.stop()
    wipe_store(server)
    for old in server.settings.home.glob("loaded-*"):
        old.unlink()
    server.start(quiet=True)
    t0 = time.perf_counter()
    with open_graph(server.settings) as graph:
        apply_schema(graph)
        ns, rs = synthetic_graph(nodes, seed)
        load_records(graph, ns, rs)
        graph.write("CALL db.awaitIndexes(600)", timeout=0)
    stamp.write_text("ok\n")
    return {"reloaded": True, "load_seconds": round(time.perf_counter() - t0, 1)}


def _ids(graph: Graph, text: str, k: int, rng: random.Random) -> list[str]:
    ids = [r["id"] for r in graph.read(text, {"k": k * 20}, timeout=0)]
    if not ids:
        raise RuntimeError(f"no starting ids for: {text}")
    rng.shuffle(ids)
    return ids


def questions(graph: Graph, plan: Plan, runs: int,
              rng: random.Random) -> dict[str, tuple[list[str], Callable[[str], Any]]]:
    """name -> (starting ids, call)."""
    from bench.policy import SEVEN
    from queries.chokepoints import chokepoints, what_if
    from queries.common import as_of_date
    from queries.compare import compare_scenarios
    from queries.diversion import diversion
    from queries.license import license
    from queries.paths import paths
    from queries.stakes import stakes

    chips = [plan.node_id("Chip", rng.randrange(plan.counts["Chip"])) for _ in range(runs)]
    firms_with_flows = _ids(graph, "MATCH (f:Firm)-[:SHIPS_TO|OPERATES|SERVES]->() "
                                   "WITH DISTINCT f LIMIT $k RETURN f.id AS id", runs, rng)
    starts = [x for pair in zip(chips, firms_with_flows, strict=False) for x in pair]
    owned = _ids(graph, "MATCH (f:Firm)<-[:OWNS]-() WITH DISTINCT f LIMIT $k "
                        "RETURN f.id AS id", runs, rng)
    suppliers = _ids(graph, "MATCH (c:Country)-[:SUPPLIES]->() WITH c, count(*) AS n "
                            "ORDER BY n DESC LIMIT $k RETURN c.id AS id", 1, rng)
    firm_pairs = [f"{a}|{b}" for a, b in zip(firms_with_flows, reversed(firms_with_flows),
                                              strict=True) if a != b]
    today = as_of_date(None)
    return {
        "diversion": (starts, lambda i: diversion(graph, i, max_hops=4)),
        "stakes": (owned, lambda i: stakes(graph, i)),
        "chokepoints": (chips, lambda i: chokepoints(graph, target=i)),
        "what_if": (suppliers, lambda i: what_if(graph, [i], today)),
        "license": ([f"{c}|{f}" for c, f in zip(chips, owned, strict=False)],
                    lambda p: license(graph, p.split("|")[0], p.split("|")[-1],
                                      scenario="current")),
        "compare": (["seven"], lambda _: compare_scenarios(graph, SEVEN, item=chips[0])),
        "paths": (firm_pairs,
                  lambda p: paths(graph, p.split("|")[0], p.split("|")[-1], max_hops=4)),
    }


def summaries_seconds(graph: Graph) -> dict[str, float]:
    """Time to read the chokepoint / what-if summaries (queries/summaries.py) of the
    loaded graph: paid by the first question after a write, then reused (here, before the
    questions, so the warm runs measure what a served graph answers)."""
    from queries.common import as_of_date
    from queries.summaries import summary

    t0 = time.perf_counter()
    s = summary(graph, as_of_date(None))
    t1 = time.perf_counter()
    s.betweenness()
    t2 = time.perf_counter()
    s.supply(graph)
    t3 = time.perf_counter()
    return {"inputs_and_projection": round(t1 - t0, 2), "betweenness": round(t2 - t1, 2),
            "supply": round(t3 - t2, 2)}


def measure(call: Callable[[str], Any], ids: list[str], runs: int, warmup: int = 5,
            budget_s: float = 600.0) -> dict[str, Any]:
    """``runs`` timed calls (ids cycled) after ``warmup`` untimed ones; stops early when the
    question has used ``budget_s`` seconds, and says so. A call that fails (a query
    timeout) is counted, not timed."""
    from graph.errors import StackgraphError

    for i in ids[:warmup]:
        with contextlib.suppress(StackgraphError):
            call(i)
    times: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    for k in range(runs):
        if time.perf_counter() - started > budget_s:
            break
        i = ids[k % len(ids)]
        t0 = time.perf_counter()
        try:
            call(i)
        except StackgraphError as exc:
            errors.append(f"{i}: {exc.message[:120]}")
            continue
        times.append((time.perf_counter() - t0) * 1000)
    out: dict[str, Any] = {"runs": len(times), "requested_runs": runs,
                           "distinct_ids": min(len(times) + len(errors), len(ids)),
                           "errors": len(errors), "error_samples": errors[:3],
                           "stopped_by_budget": len(times) + len(errors) < runs}
    if times:
        out.update({"p50_ms": round(percentile(times, 50), 2),
                    "p99_ms": round(percentile(times, 99), 2),
                    "mean_ms": round(statistics.fmean(times), 2),
                    "max_ms": round(max(times), 2)})
    return out


def run_size(nodes: int, runs: int, seed: int = 0, heap: str | None = None,
             pagecache: str | None = None, only: list[str] | None = None,
             budget_s: float = 600.0, settings: Settings | None = None) -> dict[str, Any]:
    server = ManagedServer(settings or bench_settings("queries", SLOT, heap=heap,
                                                      pagecache=pagecache))
    load = ensure_loaded(server, nodes, seed)
    plan = Plan.make(nodes, seed)
    rng = random.Random(seed)
    out: dict[str, Any] = {"nodes": nodes, "seed": seed, "load": load, "machine": machine(),
                           "command": f"python -m bench.queries --nodes {nodes} --runs {runs}",
                           "questions": {}}
    with open_graph(server.settings) as graph:
        graph.timeout = 120
        out["summaries_seconds"] = summaries_seconds(graph)
        print(f"{nodes:>9,} nodes  summaries (once per graph version) "
              f"{out['summaries_seconds']} s", flush=True)
        for name, (ids, call) in questions(graph, plan, runs, rng).items():
            if only and name not in only:
                continue
            res = measure(call, ids, runs, budget_s=budget_s)
            if name in TARGETS_MS and nodes >= LARGE and "p50_ms" in res:
                res["target_p50_ms"] = TARGETS_MS[name]
                res["meets_target"] = res["p50_ms"] <= TARGETS_MS[name]
            out["questions"][name] = res
            print(f"{nodes:>9,} nodes  {name:<12} p50 {res.get('p50_ms', float('nan')):>9.1f}"
                  f" ms  p99 {res.get('p99_ms', float('nan')):>9.1f} ms  ({res['runs']} runs"
                  f", {res['errors']} errors"
                  f"{', stopped by time budget' if res['stopped_by_budget'] else ''})",
                  flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"queries-{nodes}.json"
    path.write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(f"wrote {path}")
    return out


def cli(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench queries",
                                description="latency of the analytic questions")
    p.add_argument("--nodes", type=int, nargs="+", help=f"graph sizes (default {SIZES})")
    p.add_argument("--large", action="store_true", help=f"also {LARGE:,} nodes")
    p.add_argument("--runs", type=int, default=100, help="timed runs per question (>= 100)")
    p.add_argument("--only", nargs="+", help="questions to run (default all)")
    p.add_argument("--budget", type=float, default=600.0,
                   help="seconds per question at most (default 600); fewer runs are "
                        "reported when it is used up")
    p.add_argument("--heap")
    p.add_argument("--pagecache")
    p.add_argument("--stop", action="store_true", help="stop the bench server afterwards")
    p.add_argument("--home", help="another bench server home (e.g. one per engineer); "
                                  "with --bolt-port and --http-port")
    p.add_argument("--bolt-port", type=int, default=17720 + SLOT)
    p.add_argument("--http-port", type=int, default=17730 + SLOT)
    args = p.parse_args(argv)
    sizes = list(args.nodes or SIZES) + ([LARGE] if args.large else [])
    settings = None
    if args.home:
        values: dict[str, Any] = {"STACKGRAPH_HOME": Path(args.home).resolve(),
                                  "STACKGRAPH_BOLT_PORT": args.bolt_port,
                                  "STACKGRAPH_HTTP_PORT": args.http_port, "NEO4J_URI": None}
        if args.heap:
            values["STACKGRAPH_HEAP"] = args.heap
        if args.pagecache:
            values["STACKGRAPH_PAGECACHE"] = args.pagecache
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    for n in sizes:
        run_size(n, args.runs, heap=args.heap, pagecache=args.pagecache, only=args.only,
                 budget_s=args.budget, settings=settings)
    if args.stop:
        ManagedServer(settings or bench_settings("queries", SLOT)).stop()
    return 0


if __name__ == "__main__":  # pragma: no cover
    import sys

    raise SystemExit(cli(sys.argv[1:]))


__all__ = ["cli", "run_size", "percentile", "Path"]
