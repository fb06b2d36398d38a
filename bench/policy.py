"""The policy engine's questions on the bundled data (``python -m bench policy``).

A bench server of its own (``.stackgraph/bench-policy``, Bolt 17725) loaded with the
bundled data (``ingest.bundled.load_bundled``: data/ and ../shared/data), then, warm:

* ``license``: ``--runs`` timed calls (>= 100) of license(item, to) under ``current``,
  over every pair of the bundled chips with tpp and a sample of countries and firms
  [target p50 <= 50 ms];
* ``compare``: the seven bundled scenarios compared (``--compare-runs`` timed calls)
  [target <= 2 s].

Latency is the whole Python call (validation, Cypher, rules, result models). Figures go
to ``bench/results/policy-latest.json``. ``bench.queries`` times ``license`` on the
synthetic graphs (10^5, 10^6 nodes).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from typing import Any

from bench.common import RESULTS, bench_settings, machine
from bench.queries import measure
from graph.db import apply_schema, open_graph
from graph.server import ManagedServer

SLOT = 9
SEVEN = ["current", "ai-diffusion-2025", "default", "arms-embargo", "wider-country-tiers",
         "american-monopoly", "repeal-without-replacement", "bilateral-deals"]
TARGETS_MS = {"license": 50.0, "compare": 2000.0}


def run(runs: int, compare_runs: int, seed: int = 0) -> dict[str, Any]:
    from ingest.bundled import load_bundled
    from queries.compare import compare_scenarios
    from queries.license import license

    server = ManagedServer(bench_settings("policy", SLOT))
    server.start()
    out: dict[str, Any] = {"machine": machine(), "questions": {},
                           "command": f"python -m bench policy --runs {runs} "
                                      f"--compare-runs {compare_runs}"}
    with open_graph(server.settings) as graph:
        graph.timeout = 120
        apply_schema(graph)
        t0 = time.perf_counter()
        summary = load_bundled(graph)
        out["load_s"] = round(time.perf_counter() - t0, 1)
        out["nodes_written"] = summary.nodes_written
        chips = [r["id"] for r in graph.read("MATCH (c:Chip) WHERE c.tpp IS NOT NULL "
                                             "RETURN c.id AS id ORDER BY id")]
        parties = [r["id"] for r in graph.read(
            "MATCH (f:Firm)-[:HEADQUARTERED_IN]->() RETURN f.id AS id ORDER BY id LIMIT 60")]
        parties += ["CHN", "GBR", "ARE", "SAU", "IND", "SGP", "MAC", "RUS"]
        rng = random.Random(seed)
        pairs = [f"{c}|{p}" for c in chips for p in parties]
        rng.shuffle(pairs)
        def ask(pair: str) -> object:
            chip, party = pair.split("|")
            return license(graph, chip, party, scenario="current")

        res = measure(ask, pairs, runs)
        res["pairs"] = len(pairs)
        out["questions"]["license"] = res
        res = measure(lambda _: compare_scenarios(graph, SEVEN), ["seven"], compare_runs,
                      warmup=2)
        out["questions"]["compare"] = res
    for name, res in out["questions"].items():
        if "p50_ms" in res:
            res["target_p50_ms"] = TARGETS_MS[name]
            res["meets_target"] = res["p50_ms"] <= TARGETS_MS[name]
        print(f"bundled data  {name:<8} p50 {res.get('p50_ms', float('nan')):>8.1f} ms  "
              f"p99 {res.get('p99_ms', float('nan')):>8.1f} ms  ({res['runs']} runs, "
              f"{res['errors']} errors)", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "policy-latest.json"
    path.write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(f"wrote {path}")
    return out


def cli(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench policy",
                                description="latency of the license question and of the "
                                            "seven-scenario comparison on the bundled data")
    p.add_argument("--runs", type=int, default=200, help="timed license calls")
    p.add_argument("--compare-runs", type=int, default=10, help="timed comparisons")
    p.add_argument("--stop", action="store_true", help="stop the bench server afterwards")
    args = p.parse_args(argv)
    run(args.runs, args.compare_runs)
    if args.stop:
        ManagedServer(bench_settings("policy", SLOT)).stop()
    return 0


if __name__ == "__main__":  # pragma: no cover
    import sys

    raise SystemExit(cli(sys.argv[1:]))
