"""Each benchmark's Neo4j has a slot of its own (ports 17720+slot): two benchmarks left
running side by side (`bench api`, then `bench policy` without --stop) must not ask for
the same ports."""

from __future__ import annotations

import bench.api
import bench.load
import bench.policy
import bench.queries


def test_bench_servers_have_distinct_slots() -> None:
    slots = {m.__name__: m.SLOT for m in (bench.api, bench.load, bench.policy, bench.queries)}
    assert len(set(slots.values())) == len(slots), slots
    # bench ingest uses slot 1 and the merge variants slot 3
    assert not set(slots.values()) & {1, 3}, slots
