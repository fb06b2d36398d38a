"""The interpreter tuned for a load (``load_runtime``): fewer garbage collections, the GIL
handed over more often. Only processes that exist to load use it."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from threading import Lock
from typing import Any

#: seconds a thread may hold the GIL while another waits for it, during a load
#: (``load_runtime``; CPython's default is 0.005)
SWITCH_INTERVAL = 0.0005


#: Guards the tuned settings while loads overlap (``load_runtime``)
_RUNTIME_LOCK = Lock()
#: (loads running, the settings found when the first began)
_runtime_state: list[Any] = [0, None]


@contextmanager
def load_runtime() -> Iterator[None]:
    """Run a load with the interpreter tuned for it; the settings found when the first of
    overlapping loads began come back when the last one ends (two loads in threads of one
    process neither leave the tuning behind nor undo each other's while one still runs).

    Only processes that exist to load call it: ``stackgraph ingest``, ``stackgraph up``
    and the benchmarks. Library code (``load_records``, ``ingest.pipeline.run_load``,
    ``ingest.bundled.load_bundled``) does not: a load started by the API server (the
    admin ``ingest`` mutation) runs with the server's settings, since these settings are
    interpreter-wide and would slow or starve every request being served. Two settings:

    * The cyclic garbage collector triggered a hundred times less often. A load keeps two
      or three batches of rows alive (~100,000 small dicts and lists) and allocates
      millions more; with CPython's default thresholds (700, 10, 10) a full collection,
      which walks every live object, runs every ~70,000 allocations. Rows form no cycles,
      so the collections find nothing; they cost the loader ~40 % of its CPU per
      relationship (BENCHMARKS.md, "Ingest").
    * The GIL handed over every 0.5 ms instead of 5 (``sys.setswitchinterval``). The
      threads that write the batches (``InFlight``) release the GIL at every socket call
      and then wait for it while the main thread reads and shapes the input; at 5 ms a
      batch took several times as long to reach Neo4j as to pack, and the server idled:
      a 10^4 load on a warm server went from 26-30k to 35-39k relationships/s."""
    with _RUNTIME_LOCK:
        if _runtime_state[0] == 0:
            _runtime_state[1] = (gc.get_threshold(), sys.getswitchinterval())
            gc.set_threshold(50_000, 20, 100)
            sys.setswitchinterval(SWITCH_INTERVAL)
        _runtime_state[0] += 1
    try:
        yield
    finally:
        with _RUNTIME_LOCK:
            _runtime_state[0] -= 1
            if _runtime_state[0] == 0:
                threshold, switch = _runtime_state[1]
                gc.set_threshold(*threshold)
                sys.setswitchinterval(switch)
                _runtime_state[1] = None
