"""``python -m bench report``: the latest results as Markdown, for BENCHMARKS.md.

Reads ``bench/results/<name>-latest.json`` of the server and ingest benchmarks and prints
the tables BENCHMARKS.md quotes, so the document is pasted from figures, not retyped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import RESULTS


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}-latest.json"
    return json.loads(path.read_text()) if path.exists() else None


def _machine(m: dict[str, Any]) -> str:
    psi = m.get("cpu_pressure", {})
    return (f"{m.get('nproc')} cores ({m.get('cpu')}), {m.get('memory_gib')} GiB, "
            f"Neo4j {m.get('neo4j')} Community, {m.get('java')}, Python {m.get('python')}; "
            f"load average {m['loadavg'][0]:.1f} / CPU pressure (PSI some avg60) "
            f"{psi.get('avg60', '?')}% when the run ended")


def server_md(r: dict[str, Any]) -> str:
    rs, mem = r["ready_seconds"], r["idle_rss_mib"]
    ready_ok = rs["median"] < 30  # the target is judged on the median (see server.py)
    lines = [
        f"Machine: {_machine(r['machine'])}.",
        f"Settings: heap {r['settings']['heap']}, page cache {r['settings']['pagecache']}, "
        f"{rs['n']} cold starts, {r['settings']['idle_seconds']:.0f} s idle.",
        "",
        "| figure | median | min | max | target | met |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| cold start to Bolt-ready (s) | {rs['median']:.1f} | {rs['min']:.1f} | "
        f"{rs['max']:.1f} | < 30 (median) | {'yes' if ready_ok else 'no'} |",
        f"| idle server RSS (MiB) | {mem['median']:.0f} | {mem['min']:.0f} | {mem['max']:.0f} "
        f"| < 1024 | {'yes' if r['met']['idle_rss'] else 'no'} |",
        "",
        f"Not counted: {r['first_start']['note']}: {r['first_start']['seconds']:.1f} s.",
        "",
        "Milestones of each cold start (seconds after the start call; from neo4j.log):",
        "",
        "| round | `Starting...` | Bolt enabled | HTTP enabled | `Started.` | Bolt answers "
        "| server CPU s by then | load avg |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for i, (ms, busy) in enumerate(zip(r["milestones"], r["contention_at_ready"],
                                       strict=False), start=1):
        lines.append(f"| {i} | {ms.get('starting', '?')} | {ms.get('bolt_enabled', '?')} | "
                     f"{ms.get('http_enabled', '?')} | {ms.get('started', '?')} | "
                     f"{ms.get('bolt_ready', '?')} | {ms.get('server_cpu_seconds', '?')} | "
                     f"{busy['loadavg'][0]:.1f} |")
    return "\n".join(lines)


def ingest_md(r: dict[str, Any]) -> str:
    lines = [
        f"Machine: {_machine(r['machine'])}.",
        f"Settings: heap {r['settings']['heap']}, page cache {r['settings']['pagecache']}, "
        f"seed {r['settings']['seed']}"
        + (f"; each size after {r['settings']['warmup_rounds']} warm-up load(s) of "
           f"{r['settings']['warmup_nodes']:,} nodes"
           if r["settings"].get("warmup_rounds") else "") + ".",
        "",
        "| nodes | relationships | batch | rel/s (wall) | rel/s (time in Neo4j calls) "
        "| rel per CPU-s (loader + server) | nodes/s | one-row rel/s | speedup (wall) "
        "| speedup (CPU) | loader peak RSS MiB | server RSS MiB | load avg |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for x in r["runs"]:
        base = x.get("baseline_rels")
        lines.append(
            f"| {x['nodes']:,} | {x['rels_written']:,} | {x['batch_size']} | "
            f"{x['rels_per_second']:,.0f} | {x['rels_per_second_db_only'] or 0:,.0f} | "
            f"{x.get('rels_per_cpu_second', 0):,.0f} | "
            f"{x['nodes_written'] / x['node_seconds']:,.0f} | "
            + (f"{x['baseline_rels_per_second']:,.0f} ({base:,} rels) | {x['speedup']:.1f}x | "
               f"{x.get('speedup_cpu', 0):.1f}x | " if base else "- | - | - | ")
            + f"{x['loader_max_rss_mib']:.0f} | {x.get('server_rss_mib', 0):.0f} | "
            f"{x.get('contention_after', {}).get('loadavg', [0])[0]:.1f} |")
    repeated = [x for x in r["runs"] if len(x.get("repeats", ())) > 1]
    if repeated:
        lines += [""] + [
            f"{x['nodes']:,} nodes: the median of {len(x['repeats'])} loads; each load's "
            "rel/s (the server's CPU seconds spent JIT compiling): " + ", ".join(
                f"{y['rels_per_second']:,.0f} ({y['server_jit_seconds']:.2f} s)"
                for y in x["repeats"]) + "." for x in repeated]
    lo = r.get("loader_only")
    if lo:
        curve = ", ".join(f"{n:,}: {m:.0f}" for n, m in lo["loader_rss_curve_mib"][::4])
        lines += ["", f"Loader alone (Neo4j replaced by a no-op) at {lo['nodes']:,} nodes / "
                      f"{lo['rels_written']:,} relationships: peak RSS "
                      f"{lo['loader_max_rss_mib']:.0f} MiB; client-side ceiling "
                      f"{lo['rels_per_second']:,.0f} rel/s wall, "
                      f"{lo['rels_per_cpu_second']:,.0f} rel per CPU-second. RSS (MiB) after "
                      f"n records: {curve}."]
    met = r["met"]
    word = {True: "met", False: "not met", None: "not measured"}
    lines += ["", f"Targets: >= 30,000 rel/s batched: {word[met['rels_per_second']]}"
                  f"; >= 10x one-row: {word[met['speedup']]}; loader < 1 GiB "
                  "at 10^6 nodes: " + {True: "met", False: "not met",
                                       None: "not measured with the database"}[
                                           met["loader_memory"]]
              + {True: " (met by the loader alone)", False: " (not met by the loader alone)",
                 None: ""}[met.get("loader_memory_no_database")] + "."]
    return "\n".join(lines)


def main() -> int:
    for name, render in (("server", server_md), ("ingest", ingest_md)):
        data = _load(name)
        print(f"## {name}\n")
        print(render(data) if data else f"(no {RESULTS / (name + '-latest.json')} yet)")
        print()
    return 0


def result_files() -> list[Path]:
    return sorted(RESULTS.glob("*-latest.json"))
