"""The API under load (``python -m bench load``): N concurrent clients (default 1, 8, 32,
64) for S seconds each against ``stackgraph serve --workers 2`` on the bundled data.

Each client is a thread with its own keep-alive connection, sending in turn the mix of
``MIX``: the questions of ``bench/api.py`` (diversion risk, foreign stakes, chokepoints,
what-if, consortium exposure, paths) and entity pages (a page of firms, one entity by
id, a search, the dashboard's JSON), starting at a different place in the mix per client.
A request is an error when it does not answer HTTP 200 with data and no ``errors``.
Per level: requests, throughput, p50 / p99 latency, errors (by code). Target at 64
clients: 0 errors and p99 <= 1 s.

The Neo4j server is the bench's own (``.stackgraph/bench-load``; slot 8 of
``bench.common.bench_settings``: Bolt / HTTP ports 17728 / 17738, moved with
``STACKGRAPH_BENCH_PORT_BASE``), loaded with the bundled data when empty. Figures go to
bench/results/load-*.json and the BENCHMARKS.md text to bench/results/load.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.api import ensure_bundled, free_port, process, question_queries, wait_http
from bench.common import RESULTS, ROOT, bench_settings, contention, machine, save
from graph.db import open_graph
from graph.server import ManagedServer
from graph.settings import Settings

LEVELS = (1, 8, 32, 64)
DAY = "2025-06-01"


#: The bench server slot of this benchmark (``bench.common.bench_settings``)
SLOT = 8


def load_settings() -> Settings:
    return bench_settings("load", SLOT)


def mix() -> list[tuple[str, str, str | None]]:
    """(name, method + path, GraphQL query or None) of each request of the mix."""
    out: list[tuple[str, str, str | None]] = [
        (name, "POST /graphql", query) for name, _call, query in question_queries()]
    out += [
        ("firmsPage", "POST /graphql", "{ firms(first: 20) { totalCount nodes { id name kind "
                                       "headquarters { id name } designs { id name } } } }"),
        ("node", "POST /graphql", '{ node(id: "firm:nvidia") { ... on Firm { id name kind '
                                  "headquarters { id name } owners { share owner { id name } "
                                  "} } } }"),
        ("search", "POST /graphql", '{ search(text: "nvidia", limit: 5) { score entity '
                                    "{ id name label } } }"),
        ("dataCenters", "POST /graphql", "{ dataCenters(first: 20) { nodes { id name status "
                                         "} } }"),
        ("consortia.json", "GET /exposure/consortia.json", None),
    ]
    return out


class Client:
    """One keep-alive connection (``http.client``: the client's own cost stays small)."""

    def __init__(self, host: str, port: int) -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=60)

    def send(self, target: str, query: str | None) -> str | None:
        """None when answered with data, else what went wrong (an error code)."""
        method, path = target.split(" ", 1)
        body = json.dumps({"query": query}).encode() if query is not None else None
        headers = {"Content-Type": "application/json"} if body else {}
        try:
            self.conn.request(method, path, body, headers)
            res = self.conn.getresponse()
            data = res.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            return type(exc).__name__
        try:
            out = json.loads(data)
        except ValueError:
            return f"HTTP {res.status} (not JSON)"
        if res.status != 200 or (isinstance(out, dict) and (out.get("errors")
                                                            or out.get("error"))):
            err = (out.get("errors") or [{}])[0].get("extensions", {}).get("code") \
                if isinstance(out, dict) and out.get("errors") else \
                (out.get("error") or {}).get("code") if isinstance(out, dict) else None
            return str(err or f"HTTP {res.status}")
        return None

    def close(self) -> None:
        self.conn.close()


def level(port: int, clients: int, seconds: float) -> dict[str, Any]:
    """Run ``clients`` clients for ``seconds``; latencies of requests started in time."""
    requests = mix()
    latencies: list[list[float]] = [[] for _ in range(clients)]
    kinds: list[list[str]] = [[] for _ in range(clients)]
    errors: list[Counter[str]] = [Counter() for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def work(i: int) -> None:
        client = Client("127.0.0.1", port)
        k = i
        start.wait()
        while time.monotonic() < stop_at[0]:
            name, target, query = requests[k % len(requests)]
            k += 1
            t0 = time.perf_counter()
            err = client.send(target, query)
            latencies[i].append(time.perf_counter() - t0)
            kinds[i].append(name)
            if err:
                errors[i][err] += 1
        client.close()

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    busy = contention()
    stop_at[0] = time.monotonic() + seconds
    t0 = time.monotonic()
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    lat = sorted(x for xs in latencies for x in xs)
    per_kind: dict[str, list[float]] = {}
    for names, xs in zip(kinds, latencies, strict=True):
        for name, x in zip(names, xs, strict=True):
            per_kind.setdefault(name, []).append(x)
    errs: Counter[str] = sum(errors, Counter())
    n = len(lat)
    return {
        "clients": clients, "seconds": round(elapsed, 2), "requests": n,
        "throughput_rps": round(n / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
        "p99_ms": round(lat[min(n - 1, int(n * 0.99))] * 1000, 1) if lat else None,
        "max_ms": round(lat[-1] * 1000, 1) if lat else None,
        "errors": sum(errs.values()), "errors_by_code": dict(errs),
        "machine_before": busy, "machine_after": contention(),
        # each kind of request alone: which one the tail is made of
        "by_request": {name: {"requests": len(xs), **_percentiles(sorted(xs))}
                       for name, xs in sorted(per_kind.items())},
    }


def _percentiles(lat: list[float]) -> dict[str, float]:
    n = len(lat)
    return {"p50_ms": round(statistics.median(lat) * 1000, 1),
            "p99_ms": round(lat[min(n - 1, int(n * 0.99))] * 1000, 1)}


READ_ROUNDS = 300


def read_costs(graph: Any, rounds: int = READ_ROUNDS) -> dict[str, float]:
    """Median ms of the read mechanisms every question is made of (why ``Graph.read`` is
    one auto-commit query, and why long answers come back as one row): a trivial read as
    ``Graph.read`` runs it and as a transaction function; 250 rows against one row
    holding the same 250 values."""
    def median_ms(call: Any) -> float:
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
        return round(statistics.median(times) * 1000, 3)

    rows = "UNWIND range(1, 250) AS i RETURN i, 'country' + i AS name"
    one = "UNWIND range(1, 250) AS i RETURN collect({i: i, name: 'country' + i}) AS rows"
    calls = {
        "trivial_read_ms": lambda: graph.read("RETURN 1 AS one"),
        "trivial_transaction_function_ms":
            lambda: graph.execute_read(lambda tx: tx.run("RETURN 1 AS one").data()),
        "rows_250_ms": lambda: graph.read(rows, plain=True),
        "one_row_of_250_ms": lambda: graph.read(one, plain=True),
    }
    for call in calls.values():  # a first pass warms the server's JIT and query caches
        median_ms(call)
    return {name: median_ms(call) for name, call in calls.items()}


def run(levels: tuple[int, ...], seconds: float, workers: int, warmup: float
        ) -> dict[str, Any]:
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    settings = load_settings()
    server = ManagedServer(settings)
    server.start(quiet=True)
    with open_graph(settings) as graph:
        data = ensure_bundled(graph)
        reads = read_costs(graph)
    print("  reads (median ms): " + ", ".join(f"{k} {v}" for k, v in reads.items()),
          flush=True)
    port = free_port()
    env = dict(os.environ, STACKGRAPH_HOME=str(settings.home),
               STACKGRAPH_BOLT_PORT=str(settings.bolt_port),
               STACKGRAPH_HTTP_PORT=str(settings.http_port), STACKGRAPH_API_KEYS="",
               STACKGRAPH_API_HOST="127.0.0.1", STACKGRAPH_API_PORT=str(port))
    env.pop("NEO4J_URI", None)
    env.pop("STACKGRAPH_RATE_LIMIT", None)  # loopback: no rate limit
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    cmd = [str(Path(sys.executable).with_name("stackgraph")), "serve", "--workers",
           str(workers)]
    result: dict[str, Any] = {"machine": machine(), "data": data, "workers": workers,
                              "seconds": seconds, "mix": [m[0] for m in mix()], "levels": [],
                              "reads": reads}
    with process(cmd, env, ROOT, logs / "load-api.log") as api:
        wait_http(f"http://127.0.0.1:{port}/graphql", proc=api)
        if warmup > 0:
            print(f"  warm-up: 8 clients for {warmup:g} s", flush=True)
            level(port, 8, warmup)
        for n in levels:
            row = level(port, n, seconds)
            result["levels"].append(row)
            print(f"  {n:>3} clients: {row['throughput_rps']:>7} req/s  p50 "
                  f"{row['p50_ms']} ms  p99 {row['p99_ms']} ms  errors {row['errors']} "
                  f"{row['errors_by_code'] or ''}", flush=True)
            print("      " + ", ".join(f"{k} {v['p50_ms']}/{v['p99_ms']}"
                                      for k, v in row["by_request"].items())
                  + " (p50/p99 ms)", flush=True)
    top = next((r for r in result["levels"] if r["clients"] == 64), None)
    if top is not None:
        result["target_64"] = {"errors": top["errors"] == 0,
                               "p99_le_1s": (top["p99_ms"] or 0) <= 1000}
    return result


def report(result: dict[str, Any], command: str) -> str:
    m = result["machine"]
    lines = [
        f"`{command}` — `stackgraph serve --workers {result['workers']}` on the bundled "
        f"data ({result['data']['nodes']:,} nodes, {result['data']['relationships']:,} "
        f"relationships), {result['seconds']:g} s per level, the mix: "
        f"{', '.join(result['mix'])}. Machine: {m.get('nproc')} cores, "
        f"{m.get('memory_gib')} GiB, shared with other work (load average before the run "
        f"{m.get('loadavg')}); clients, API and Neo4j on the same cores.",
        "",
        "| clients | requests | throughput (req/s) | p50 (ms) | p99 (ms) | max (ms) | errors "
        "| load avg (1 min) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in result["levels"]:
        errs = str(r["errors"]) + (f" {r['errors_by_code']}" if r["errors"] else "")
        lines.append(f"| {r['clients']} | {r['requests']} | {r['throughput_rps']} | "
                     f"{r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} | {errs} | "
                     f"{r['machine_before']['loadavg'][0]} |")
    levels = [r for r in result["levels"] if r.get("by_request")]
    if levels:
        lines += ["", "Each kind of request (p50 / p99 ms):", "",
                  "| request | " + " | ".join(f"{r['clients']} clients" for r in levels)
                  + " |", "| --- |" + " --- |" * len(levels)]
        for kind in levels[0]["by_request"]:
            cells = [f"{r['by_request'][kind]['p50_ms']} / {r['by_request'][kind]['p99_ms']}"
                     if kind in r["by_request"] else "-" for r in levels]
            lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    reads = result.get("reads")
    if reads:
        lines += ["", "The reads questions are made of (median of "
                  f"{READ_ROUNDS}, ms, before the levels): " + ", ".join(
                      f"{k.removesuffix('_ms').replace('_', ' ')} {v}"
                      for k, v in reads.items()) + "."]
    target = result.get("target_64")
    if target:
        lines += ["", "Target at 64 clients (0 errors, p99 <= 1 s): "
                  + ("met" if all(target.values()) else
                     "not met (" + ", ".join(k for k, v in target.items() if not v) + ")")
                  + "."]
    return "\n".join(lines) + "\n"


def cli(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench load", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, nargs="+", default=list(LEVELS),
                   help="concurrency levels (default 1 8 32 64)")
    p.add_argument("--seconds", type=float, default=10.0, help="seconds per level (10)")
    p.add_argument("--workers", type=int, default=2, help="API worker processes (2)")
    p.add_argument("--warmup", type=float, default=5.0,
                   help="seconds of 8 clients before measuring (5; 0: none)")
    p.add_argument("--large", action="store_true", help="accepted for `bench all`; unused")
    args = p.parse_args(argv)
    command = "python -m bench load" + "".join(f" {a}" for a in argv if a != "--large")
    try:
        result = run(tuple(args.clients), args.seconds, args.workers, args.warmup)
    finally:
        ManagedServer(load_settings()).stop()
    path = save("load", result)
    text = report(result, command)
    (RESULTS / "load.md").write_text(text)
    print(text)
    print(f"figures: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli(sys.argv[1:]))
