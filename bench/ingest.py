"""Ingest benchmark (issue 3): relationships per second, batched against one row per
transaction, and the loader's peak memory.

For every (size, batch size) the bench server's database is emptied, the schema applied,
and a worker process (``bench.ingest_worker``) streams a synthetic graph into it with
``ingest.loader.load_records``; the default batch size also writes a held-out sample one
relationship per transaction (the baseline), in the same run and database. The worker's
peak RSS is the kernel's ``ru_maxrss`` of that process; the Neo4j server's
resident memory is read from ``/proc`` separately.

Targets on the 2-core machine: >= 30,000 relationships/s batched, >= 10x the one-row
baseline, loader peak memory < 1 GiB at 10^6 nodes.

Warm-up: a server that has just started runs Neo4j's code interpreted and compiles it as
it goes (the JIT), which at 10^4 nodes takes more CPU than the load itself, and goes on
compiling, less and less, over its first several loads. Before each measured size the
worker loads ``--warmup-rounds`` graphs of ``--warmup`` nodes (other seeds) into the same
server, each deleted before the next; the first one's figure is kept as the cold-server
figure (``warmup`` in the results, when the server was just started). Then sizes up to
``REPEAT_MAX_NODES`` are loaded ``--repeat`` times, each into an emptied database, and
the load with the median rate is reported with every load's rate and the JIT's share of
the server's CPU (``repeats``): a 10^4 load lasts ~1.5 s, and a compile burst moves one
load's figure by a quarter (BENCHMARKS.md, "Ingest"). ``--warmup 0`` measures cold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

from bench.common import (
    ROOT,
    bench_settings,
    contention,
    machine,
    rss_kib,
    save,
    wait_quiet,
    wipe_store,
)
from graph.db import apply_schema, cypher, open_graph
from graph.server import ManagedServer
from graph.settings import Settings
from ingest.loader import DEFAULT_BATCH

TARGET_RELS_PER_S = 30_000
TARGET_SPEEDUP = 10.0
TARGET_LOADER_MIB = 1024
#: nodes loaded (and deleted) before each measured load, so it runs on a warm server
DEFAULT_WARMUP = 50_000
#: how many warm-up loads (BENCHMARKS.md, "Ingest": the JIT is still compiling in the
#: second load of a server)
DEFAULT_WARMUP_ROUNDS = 2
#: measured loads per size (the median one reported) for sizes up to REPEAT_MAX_NODES:
#: a 10^4 load lasts ~1.5 s, and the server's JIT still compiles now and then, moving one
#: load's figure by a quarter (BENCHMARKS.md, "Ingest"); a bigger load averages it out
DEFAULT_REPEAT = 3
REPEAT_MAX_NODES = 100_000
#: Above this many nodes the store is deleted on disk (restart) rather than by Cypher.
CYPHER_CLEAR_MAX = 200_000


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update(STACKGRAPH_HOME=str(settings.home), STACKGRAPH_BOLT_PORT=str(settings.bolt_port),
               STACKGRAPH_HTTP_PORT=str(settings.http_port))
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def clear(server: ManagedServer, nodes_hint: int) -> bool:
    """An empty database with the schema applied, the server running; True when the
    server was (re)started for it."""
    restart = nodes_hint > CYPHER_CLEAR_MAX or server.pid() is None
    if restart:
        server.stop()
        wipe_store(server)
        server.start(quiet=True)
    with open_graph(server.settings) as graph:
        while graph.write(cypher(__file__, "clear_batch"), {"limit": 5000},
                          timeout=0)[0]["deleted"]:
            pass
        apply_schema(graph)
    return restart


def counts(settings: Settings) -> dict[str, int]:
    with open_graph(settings) as graph:
        return graph.read(cypher(__file__, "count_all"), timeout=0)[0]


def jit_seconds(lap: dict[str, Any]) -> float:
    """The server's JIT compiler threads' CPU seconds in one phase of a load."""
    return round(sum(v for k, v in lap.get("server_threads", {}).items()
                     if "Compiler" in k), 2)


def median_load(loads: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of the load with the median relationships/s (the lower of the two
    middle ones for an even count), the first load's baseline and speed-up against it,
    and every load's rate under ``repeats``."""
    first = loads[0]
    ranked = sorted(loads, key=lambda r: r["rels_per_second"])
    result = dict(ranked[(len(ranked) - 1) // 2])
    if "baseline_rels_per_second" in first and "baseline_rels_per_second" not in result:
        for k in ("baseline_cpu", "baseline_rels_per_cpu_second", "baseline_rels",
                  "baseline_seconds", "baseline_rels_per_second"):
            result[k] = first[k]
        result["speedup"] = round(result["rels_per_second"]
                                  / first["baseline_rels_per_second"], 1)
        result["speedup_cpu"] = round(result["rels_per_cpu_second"]
                                      / first["baseline_rels_per_cpu_second"], 1)
    result["repeats"] = [
        {"rels_per_second": r["rels_per_second"], "rel_seconds": r["rel_seconds"],
         "rels_per_cpu_second": r["rels_per_cpu_second"],
         "server_cpu_seconds": r["rel_cpu"].get("server_cpu_seconds"),
         "server_jit_seconds": jit_seconds(r["rel_cpu"]),
         "loader_cpu_seconds": r["rel_cpu"]["loader_cpu_seconds"]} for r in loads]
    return result


def one_load(server: ManagedServer, nodes: int, batch: int, baseline: int,
             seed: int = 0, warmup: int = 0,
             warmup_rounds: int = DEFAULT_WARMUP_ROUNDS,
             repeat: int = 1) -> dict[str, Any]:
    """A measured load of ``nodes`` into an empty database (after ``warmup_rounds``
    warm-up loads of ``warmup`` nodes, each deleted before the next, when both are > 0);
    ``repeat`` loads of the same graph, each into an emptied database, when ``nodes`` is
    at most ``REPEAT_MAX_NODES``: the figures of the median one (``median_load``)."""
    fresh = clear(server, nodes)
    warmups: list[dict[str, Any]] = []
    for i in range(warmup_rounds if warmup else 0):
        w = _worker(server, warmup, batch, 0, seed + 1 + i)
        figures = {k: w[k] for k in ("nodes", "rels_written", "rels_per_second",
                                     "rels_per_cpu_second", "rel_cpu")}
        figures["fresh_server"] = fresh and i == 0
        warmups.append(figures)
        clear(server, warmup)
    loads: list[dict[str, Any]] = []
    for i in range(max(1, repeat) if nodes <= REPEAT_MAX_NODES else 1):
        if i:
            clear(server, nodes)
        quiet = wait_quiet(server.pid())
        loads.append(_worker(server, nodes, batch, baseline, seed, hold_out_only=i > 0))
        loads[-1]["waited_for_quiet_seconds"] = quiet
    result = median_load(loads)
    if warmups:
        result["warmup"] = warmups[0]  # the cold-server figure when fresh_server
        result["warmups"] = warmups
    return result


def _worker(server: ManagedServer, nodes: int, batch: int, baseline: int,
            seed: int, hold_out_only: bool = False) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.ingest_worker", "--nodes", str(nodes),
           "--seed", str(seed), "--batch", str(batch), "--baseline", str(baseline)]
    if hold_out_only:
        cmd.append("--hold-out-only")
    before = contention()
    env = _env(server.settings)
    env["BENCH_SERVER_PID"] = str(server.pid() or "")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=ROOT, text=True)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    # The worker reports its own ru_maxrss: RUSAGE_CHILDREN here would also count the
    # Neo4j JVM, which this process started and reaps.
    if proc.returncode != 0:
        raise RuntimeError(f"ingest worker failed ({proc.returncode}):\n{stderr[-3000:]}")
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    result["worker_wall_seconds"] = round(wall, 2)
    result["contention_before"] = before
    result["contention_after"] = contention()
    pid = server.pid()
    if pid:
        mem = rss_kib(pid)
        result["server_rss_mib"] = round(mem["rss_kib"] / 1024, 1)
        result["server_peak_rss_mib"] = round(mem["hwm_kib"] / 1024, 1)
    result["in_database"] = counts(server.settings)
    return result


def loader_only(nodes: int, batch: int = DEFAULT_BATCH, seed: int = 0) -> dict[str, Any]:
    """The loader process alone at ``nodes`` (Neo4j replaced by a no-op): its peak RSS,
    its RSS curve, and the client side's ceiling in relationships/s. No server needed."""
    cmd = [sys.executable, "-m", "bench.ingest_worker", "--nodes", str(nodes),
           "--seed", str(seed), "--batch", str(batch), "--null-db"]
    before = contention()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                          env=_env(bench_settings("ingest", 1)))
    if proc.returncode != 0:
        raise RuntimeError(f"ingest worker failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["worker_wall_seconds"] = round(time.perf_counter() - t0, 2)
    result["contention_before"] = before
    result["contention_after"] = contention()
    return result


def _loader_line(r: dict[str, Any]) -> str:
    return (f"loader alone (no database) at {r['nodes']:,} nodes / {r['rels_written']:,} "
            f"rels: peak RSS {r['loader_max_rss_mib']:.0f} MiB; client-side ceiling "
            f"{r['rels_per_second']:,.0f} rel/s ({r['rels_per_cpu_second']:,.0f} per "
            "CPU-second)")


def run(sizes: list[int], batch: int = DEFAULT_BATCH, sweep: list[int] | None = None,
        sweep_nodes: int | None = None, baseline: int = 5000, seed: int = 0,
        heap: str | None = None, pagecache: str | None = None,
        slot: int = 1, loader_nodes: int | None = None,
        warmup: int = DEFAULT_WARMUP,
        warmup_rounds: int = DEFAULT_WARMUP_ROUNDS,
        repeat: int = DEFAULT_REPEAT) -> dict[str, Any]:
    settings = bench_settings("ingest", slot, heap=heap, pagecache=pagecache)
    server = ManagedServer(settings)
    runs: list[dict[str, Any]] = []
    loader: dict[str, Any] | None = None
    if loader_nodes:
        print(f"  loader alone (no database), {loader_nodes:,} nodes ...", flush=True)
        loader = loader_only(loader_nodes, batch, seed)
        print("    " + _loader_line(loader), flush=True)
    try:
        for n in sizes:
            print(f"  loading {n:,} nodes, batch {batch}, baseline sample {baseline} ...",
                  flush=True)
            r = one_load(server, n, batch, baseline, seed, warmup, warmup_rounds, repeat)
            runs.append(r)
            print("    " + _line(r), flush=True)
        for b in sweep or []:
            if b == batch and sweep_nodes in sizes:
                continue
            n = sweep_nodes or sizes[0]
            print(f"  batch-size sweep: {n:,} nodes, batch {b} ...", flush=True)
            r = one_load(server, n, b, 0, seed, warmup, warmup_rounds, 1)
            runs.append(r)
            print("    " + _line(r), flush=True)
    finally:
        server.stop()
    main_runs = [r for r in runs if r["batch_size"] == batch and r.get("baseline_rels")]
    big = [r for r in runs if r["nodes"] >= 1_000_000]
    met = {
        "rels_per_second": all(r["rels_per_second"] >= TARGET_RELS_PER_S
                               for r in main_runs) if main_runs else None,
        "speedup": all(r["speedup"] >= TARGET_SPEEDUP
                       for r in main_runs) if main_runs else None,
        "loader_memory": (all(r["loader_max_rss_mib"] < TARGET_LOADER_MIB for r in big)
                          if big else None),
        "loader_memory_no_database": (
            loader["loader_max_rss_mib"] < TARGET_LOADER_MIB
            if loader and loader["nodes"] >= 1_000_000 else None),
    }
    return {
        "benchmark": "ingest", "machine": machine(),
        "settings": {"heap": settings.heap, "pagecache": settings.pagecache,
                     "default_batch": batch, "seed": seed, "warmup_nodes": warmup,
                     "warmup_rounds": warmup_rounds if warmup else 0,
                     "repeat": repeat, "repeat_max_nodes": REPEAT_MAX_NODES},
        "runs": runs,
        "loader_only": loader,
        "targets": {"rels_per_second": TARGET_RELS_PER_S, "speedup": TARGET_SPEEDUP,
                    "loader_peak_mib_at_1e6": TARGET_LOADER_MIB},
        "met": met,
    }


def _line(r: dict[str, Any]) -> str:
    s = (f"{r['nodes']:>9,} nodes / {r['rels_written']:>9,} rels, batch {r['batch_size']:>5}: "
         f"{r['rels_per_second']:>8,.0f} rel/s ({r['rels_per_second_db_only']:,.0f} "
         f"in Neo4j calls; {r['rels_per_cpu_second']:,.0f} per CPU-second), "
         f"nodes {r['nodes_written'] / r['node_seconds']:,.0f}/s")
    if r.get("baseline_rels"):
        s += (f"; one-row baseline {r['baseline_rels_per_second']:,.0f} rel/s "
              f"-> {r['speedup']:.1f}x ({r['speedup_cpu']:.1f}x per CPU-second)")
    if r.get("warmup"):
        w = r["warmup"]
        s += (f"; {'cold server (the ' if w.get('fresh_server') else '('}"
              f"{w['nodes']:,}-node warm-up load): {w['rels_per_second']:,.0f} rel/s")
    if r.get("rel_cpu", {}).get("server_threads"):
        s += (f"; server CPU {r['rel_cpu']['server_cpu_seconds']:.2f} s, of which JIT "
              f"compiling {jit_seconds(r['rel_cpu']):.2f} s")
    if len(r.get("repeats", ())) > 1:
        rates = ", ".join(f"{x['rels_per_second']:,.0f}" for x in r["repeats"])
        s += f"; the median of {len(r['repeats'])} loads ({rates} rel/s)"
    if r.get("transaction_retries"):
        s += f"; {r['transaction_retries']} transactions retried"
    s += (f"; loader peak RSS {r['loader_max_rss_mib']:.0f} MiB, "
          f"server RSS {r.get('server_rss_mib', 0):.0f} MiB; load avg "
          f"{r['contention_after']['loadavg'][0]:.1f}")
    return s


def report(result: dict[str, Any]) -> str:
    lines = ["ingest:"] + ["  " + _line(r) for r in result["runs"]]
    if result.get("loader_only"):
        lines.append("  " + _loader_line(result["loader_only"]))
    met = result["met"]
    word = {True: "met", False: "NOT met", None: "not measured (no baseline run)"}
    lines.append(f"  targets: >= {TARGET_RELS_PER_S:,} rel/s "
                 f"{word[met['rels_per_second']]}; >= 10x baseline "
                 f"{word[met['speedup']]}; loader < 1 GiB at 10^6 nodes "
                 + {True: "met", False: "NOT met", None: "not measured (use --large)"}[
                     met["loader_memory"]]
                 + {True: " (met without the database)", False: " (NOT met even without "
                    "the database)", None: ""}[met.get("loader_memory_no_database")])
    return "\n".join(lines)


def main(sizes: list[int], batch: int, sweep: list[int] | None, sweep_nodes: int | None,
         baseline: int, heap: str | None, pagecache: str | None,
         loader_nodes: int | None = None, warmup: int = DEFAULT_WARMUP,
         warmup_rounds: int = DEFAULT_WARMUP_ROUNDS,
         repeat: int = DEFAULT_REPEAT) -> dict[str, Any]:
    rounds = warmup_rounds if warmup else 0
    print(f"ingest benchmark: sizes {', '.join(f'{n:,}' for n in sizes)}"
          + (f" (each after {rounds} warm-up load{'s' * (rounds > 1)} of {warmup:,} nodes)"
             if rounds else " (cold server)"))
    result = run(sizes, batch, sweep, sweep_nodes, baseline, heap=heap, pagecache=pagecache,
                 loader_nodes=loader_nodes, warmup=warmup, warmup_rounds=warmup_rounds,
                 repeat=repeat)
    path = save("ingest", result)
    print(report(result))
    print(f"  -> {path}")
    return result
