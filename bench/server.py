"""Server benchmark (issue 2): cold start to Bolt-ready, and the idle server's memory.

Each round stops the bench server, starts it with ``ManagedServer.start`` (what
``stackgraph db start`` runs: find the JDK, write the config, launch the JVM, poll until a
``RETURN 1`` answers over Bolt) and times it, then lets it sit idle and reads its
resident memory from ``/proc/<pid>/status``. The first start of a fresh bench home also
copies the jars from the local Maven repository and creates the store: it is reported
apart and not counted as a cold start. Targets: Bolt-ready in under 30 s, idle RSS under
1 GiB.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path
from typing import Any

from bench.common import bench_settings, contention, cpu_seconds, machine, rss_kib, save, summary
from graph.server import ManagedServer

TARGET_READY_S = 30.0
TARGET_RSS_KIB = 1024 * 1024


_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})([+-]\d{4}) \w+\s+(.*)$")
_PHASES = (("starting", "Starting..."), ("bolt_enabled", "Bolt enabled"),
           ("http_enabled", "HTTP enabled"), ("started", "Started."))


def phases(log: Path, offset: int, t0: float, t_ready: float) -> dict[str, float]:
    """Seconds from the start call to each milestone Neo4j logs in ``neo4j.log`` (read
    from byte ``offset``, i.e. this start only), and to Bolt answering a query."""
    out: dict[str, float] = {}
    try:
        with log.open("rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return out
    for line in text.splitlines():
        m = _STAMP.match(line)
        if not m:
            continue
        when = dt.datetime.strptime(m.group(1) + m.group(2), "%Y-%m-%d %H:%M:%S.%f%z")
        for name, marker in _PHASES:
            if name not in out and m.group(3).startswith(marker):
                out[name] = round(when.timestamp() - t0, 2)
    out["bolt_ready"] = round(t_ready - t0, 2)
    return out


def run(rounds: int = 3, idle: float = 10.0, heap: str | None = None,
        pagecache: str | None = None, slot: int = 0) -> dict[str, Any]:
    settings = bench_settings("server", slot, heap=heap, pagecache=pagecache)
    server = ManagedServer(settings)
    server.stop()
    first: dict[str, Any] = {"fresh_home": not server.home.exists()}
    t0 = time.perf_counter()
    _, status = server.start(quiet=True)
    first["seconds"] = round(time.perf_counter() - t0, 2)
    first["note"] = ("first start of a fresh bench home (jar copy from ~/.m2, store "
                     "creation)" if first["fresh_home"] else
                     "first start of this run (home already installed), not counted")
    ready: list[float] = []
    milestones: list[dict[str, float]] = []
    busy: list[dict[str, Any]] = []
    log = server.logs_dir / "neo4j.log"
    rss: list[float] = []
    hwm: list[float] = []
    try:
        for i in range(rounds):
            server.stop()
            offset = log.stat().st_size if log.exists() else 0
            wall0 = time.time()
            t0 = time.perf_counter()
            server.start(quiet=True)
            seconds = time.perf_counter() - t0
            ready.append(round(seconds, 2))
            milestones.append(phases(log, offset, wall0, wall0 + seconds))
            pid = server.pid()
            if pid:
                milestones[-1]["server_cpu_seconds"] = round(cpu_seconds(pid), 2)
            busy.append(contention())
            time.sleep(idle)
            pid = server.pid()
            if pid is None:
                raise RuntimeError("the bench server died while idle: see "
                                   f"{server.logs_dir}")
            mem = rss_kib(pid)
            rss.append(mem["rss_kib"])
            hwm.append(mem["hwm_kib"])
            print(f"  cold start {i + 1}/{rounds}: Bolt-ready in {seconds:.1f} s, "
                  f"idle RSS {mem['rss_kib'] / 1024:.0f} MiB after {idle:.0f} s")
    finally:
        server.stop()
    ready_s = summary(ready)
    rss_mib = {k: (round(v / 1024, 1) if k != "n" else v) for k, v in summary(rss).items()}
    result = {
        "benchmark": "server",
        "machine": machine(),
        "contention_at_ready": busy,
        "settings": {"heap": settings.heap, "pagecache": settings.pagecache,
                     "rounds": rounds, "idle_seconds": idle, "version": status.version},
        "first_start": first,
        "ready_seconds": ready_s, "ready_all": ready, "milestones": milestones,
        "idle_rss_mib": rss_mib, "idle_rss_all_mib": [round(v / 1024, 1) for v in rss],
        "peak_rss_mib_max": round(max(hwm) / 1024, 1),
        "targets": {"ready_seconds": TARGET_READY_S, "idle_rss_mib": TARGET_RSS_KIB / 1024},
        # judged on the median: single rounds on a shared machine catch other work
        "met": {"ready": ready_s["median"] < TARGET_READY_S,
                "idle_rss": max(rss) < TARGET_RSS_KIB},
    }
    return result


def report(result: dict[str, Any]) -> str:
    r, m = result["ready_seconds"], result["idle_rss_mib"]
    return (f"server ({result['settings']['heap']} heap, {result['settings']['pagecache']} "
            f"page cache): Bolt-ready median {r['median']:.1f} s (min {r['min']:.1f}, "
            f"max {r['max']:.1f}; target < {TARGET_READY_S:.0f} s: "
            f"{'met' if result['met']['ready'] else 'NOT met'}); idle RSS median "
            f"{m['median']:.0f} MiB (max {m['max']:.0f}; target < 1024 MiB: "
            f"{'met' if result['met']['idle_rss'] else 'NOT met'}); load avg "
            f"{result['contention_at_ready'][-1]['loadavg'][0]:.1f}")


def main(rounds: int, idle: float, heap: str | None, pagecache: str | None) -> dict[str, Any]:
    print(f"server benchmark: {rounds} cold starts, {idle:.0f} s idle each")
    result = run(rounds, idle, heap, pagecache)
    path = save("server", result)
    print(report(result))
    print(f"  -> {path}")
    return result
