"""What every benchmark shares: bench servers, the machine description, result files.

Benchmarks run their own managed Neo4j servers under ``.stackgraph/bench-*`` on ports
17720-17729 (Bolt) / 17730-17739 (HTTP), never the user's or a test server, because they
wipe stores and stop servers.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graph.server import ManagedServer, find_javas, pick_release
from graph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
BENCH_HOME = ROOT / ".stackgraph"


def bench_settings(name: str, slot: int, heap: str | None = None,
                   pagecache: str | None = None) -> Settings:
    """Settings of the bench server ``bench-<name>`` on Bolt 17720+slot, HTTP 17730+slot
    (``STACKGRAPH_BENCH_PORT_BASE`` moves 17720 elsewhere: two checkouts benchmarking on
    one machine).

    Heap and page cache default to the project's settings (``STACKGRAPH_HEAP`` /
    ``STACKGRAPH_PAGECACHE`` when set), so the benchmark measures what users get."""
    if not 0 <= slot <= 9:
        raise ValueError("bench server slots are 0..9 (ports 17720-17729 / 17730-17739)")
    base = int(os.environ.get("STACKGRAPH_BENCH_PORT_BASE", "17720"))
    values: dict[str, Any] = {
        "STACKGRAPH_HOME": BENCH_HOME / f"bench-{name}",
        "STACKGRAPH_BOLT_PORT": base + slot,
        "STACKGRAPH_HTTP_PORT": base + 10 + slot,
        "NEO4J_URI": None,
    }
    if heap:
        values["STACKGRAPH_HEAP"] = heap
    if pagecache:
        values["STACKGRAPH_PAGECACHE"] = pagecache
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def wipe_store(server: ManagedServer) -> None:
    """Delete the default database's store and transaction logs (the server must be
    stopped); the system database and the password stay, so the next start creates an
    empty ``neo4j`` database. Faster than deleting a million nodes through Cypher."""
    if server.pid() is not None:
        raise RuntimeError("stop the server before wiping its store")
    for sub in ("databases", "transactions"):
        path = server.data_dir / sub / server.settings.neo4j_database
        if path.exists():
            shutil.rmtree(path)


def rss_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) in KiB of ``pid`` plus its descendants."""
    total = {"rss_kib": 0, "hwm_kib": 0}
    for p in [pid, *_descendants(pid)]:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total["rss_kib"] += int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    total["hwm_kib"] += int(line.split()[1])
    return total


def _descendants(pid: int) -> list[int]:
    out: list[int] = []
    with contextlib.suppress(OSError):
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            out.append(int(child))
            out.extend(_descendants(int(child)))
    return out


def _stat_cpu(stat: Path) -> tuple[str, float]:
    """The name and user + system CPU seconds in a ``/proc/.../stat`` file (a process's
    or a thread's)."""
    head, rest = stat.read_text().rsplit(")", 1)
    fields = rest.split()
    return head.split("(", 1)[1], (int(fields[11]) + int(fields[12])) / os.sysconf(
        "SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time consumed so far by process ``pid`` (all its threads)."""
    return _stat_cpu(Path(f"/proc/{pid}/stat"))[1]


def thread_cpu_seconds(pid: int) -> dict[str, float]:
    """CPU seconds of process ``pid`` so far, per kind of thread (the thread's name with
    its digits dropped: ``C2 CompilerThread``, ``GC Thread#``, ``bolt-worker-``...). It
    tells a server busy loading from one busy compiling (the JIT) or collecting."""
    out: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            name, seconds = _stat_cpu(task / "stat")
            kind = name.rstrip("0123456789- ").strip() or "?"
            out[kind] = out.get(kind, 0.0) + seconds
    return out


def wait_quiet(pid: int | None, timeout: float = 120.0) -> float:
    """Wait until the Neo4j server ``pid`` is quiet (its CPU under 10 % for a second) and
    return the seconds waited. Why: a server goes on working after what it was asked to
    do has committed — the JIT compiling what just ran hot, merging the full-text index's
    Lucene segments after a delete — and a load measured meanwhile shares the two cores
    with that work (at 10^4 nodes, C2 compiling for ~0.8 s of a 1.9 s relationship
    phase)."""
    if pid is None:
        return 0.0
    t0 = time.perf_counter()
    calm = 0
    last = cpu_seconds(pid)
    while calm < 2 and time.perf_counter() - t0 < timeout:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        calm = calm + 1 if now - last < 0.05 else 0
        last = now
    return round(time.perf_counter() - t0, 1)


def contention() -> dict[str, Any]:
    """How busy the machine is right now: load average and CPU pressure (PSI: the share of
    time some runnable task waited for a CPU). Figures taken while other work competes for
    the two cores are slower than the machine can do, and say so."""
    out: dict[str, Any] = {"loadavg": [round(x, 2) for x in os.getloadavg()]}
    with contextlib.suppress(OSError, ValueError, IndexError):
        some = Path("/proc/pressure/cpu").read_text().splitlines()[0].split()
        out["cpu_pressure"] = {kv.split("=")[0]: float(kv.split("=")[1])
                               for kv in some[1:4]}
    return out


def machine() -> dict[str, Any]:
    """The facts a figure depends on: cores, memory, Python, Java, Neo4j version."""
    mem_kib = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info: dict[str, Any] = {"nproc": os.cpu_count(), "memory_gib": round(mem_kib / 2**20, 1),
                            "cpu": cpu, "python": platform.python_version(),
                            "platform": platform.platform(), **contention()}
    with contextlib.suppress(Exception):
        version, _browser, java = pick_release(find_javas(os.environ.get("STACKGRAPH_JAVA")))
        info["neo4j"] = version
        out = subprocess.run([java.path, "-version"], capture_output=True, text=True,
                             timeout=30)
        info["java"] = (out.stderr or out.stdout).splitlines()[0]
    return info


def summary(values: Sequence[float]) -> dict[str, float]:
    """median, min, max (and n) of a list of measurements."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def save(name: str, data: dict[str, Any]) -> Path:
    """Write ``bench/results/<name>-<timestamp>.json`` and ``<name>-latest.json``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = json.dumps(data, indent=2, default=str)
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(text + "\n")
    (RESULTS / f"{name}-latest.json").write_text(text + "\n")
    return path
