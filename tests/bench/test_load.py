"""A small synthetic graph loads into the real Neo4j as generated, and the ingest
benchmark's worker measures what it claims (every relationship lands once: the batched
part plus the one-row baseline sample)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import ROOT
from bench.generate import synthetic_graph
from bench.ingest import median_load
from bench.ingest_worker import run, run_file
from bench.jsonl import write_file
from graph.db import Graph
from ingest.loader import load_records


def _db_counts(graph: Graph) -> tuple[Counter[str], Counter[str]]:
    labels = Counter({r["label"]: r["n"] for r in graph.read(
        "MATCH (n) UNWIND [l IN labels(n) WHERE l <> 'Entity'] AS label "
        "RETURN label, count(*) AS n")})
    types = Counter({r["type"]: r["n"] for r in graph.read(
        "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n")})
    return labels, types


def test_thousand_node_graph_loads_with_expected_counts(graph: Graph) -> None:
    nodes, rels = synthetic_graph(1000, 11)
    summary = load_records(graph, nodes, rels, batch_size=700)
    ns, rs = synthetic_graph(1000, 11)
    want_labels = Counter(n.label for n in ns)
    want_types = Counter(r.type for r in rs)
    labels, types = _db_counts(graph)
    assert labels == want_labels
    assert types == want_types
    assert summary.nodes_written == 1000 and summary.rels_written == sum(want_types.values())
    # shares survive the round trip: per owned firm at most 1
    worst = graph.read("MATCH ()-[o:OWNS]->(t) WITH t, sum(o.share) AS total "
                       "RETURN max(total) AS worst")[0]["worst"]
    assert 0 < worst <= 1.0


def test_ingest_worker_counts_batched_and_baseline(graph: Graph) -> None:
    result = run(1000, 5, batch=400, baseline=60, graph_=graph)
    _, types = _db_counts(graph)
    total = sum(types.values())
    assert result["nodes_written"] == 1000
    assert result["baseline_rels"] == 60
    assert result["rels_created"] == result["rels_written"]
    assert result["rels_written"] + result["baseline_rels"] == total
    assert result["rels_per_second"] > 0 and result["baseline_rels_per_second"] > 0
    assert result["loader_max_rss_mib"] > 0


def test_the_loader_alone_reads_a_whole_file(tmp_path: Path) -> None:
    """``--file F --null-db``: the file judged and written, as ``stackgraph ingest`` would,
    into nothing; every item counted, none rejected."""
    path = tmp_path / "g.jsonl"
    nodes, rels = write_file(path, *synthetic_graph(600, 3))
    result = run_file(path, batch=250, null_db=True)
    assert (result["nodes_written"], result["rels_written"]) == (nodes, rels)
    assert result["items_read"] == nodes + rels and result["rejected"] == 0
    assert result["loader_max_rss_mib"] > 0 and result["loader_cpu_us_per_item"] > 0


def test_bench_cli_helps() -> None:
    out = subprocess.run([sys.executable, "-m", "bench", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for command in ("all", "server", "ingest", "generate", "queries", "api"):
        assert command in out.stdout


def test_a_repeat_holds_out_the_same_sample_without_writing_it(graph: Graph) -> None:
    """``--repeat`` loads the same graph again: the baseline's sample stays out of the
    load, and only the first load writes it."""
    first = run(1000, 5, batch=400, baseline=60, graph_=graph)
    _, types = _db_counts(graph)
    graph.write("MATCH (n) DETACH DELETE n")
    again = run(1000, 5, batch=400, baseline=60, graph_=graph, hold_out_only=True)
    _, types_again = _db_counts(graph)
    assert again["rels_written"] == first["rels_written"]
    assert "baseline_rels" not in again
    assert sum(types.values()) - sum(types_again.values()) == first["baseline_rels"] == 60


def test_the_median_load_is_reported_with_the_first_loads_baseline() -> None:
    def load(rate: float, baseline: float | None = None) -> dict[str, Any]:
        r: dict[str, Any] = {"rels_per_second": rate, "rel_seconds": 1.0,
                             "rels_per_cpu_second": rate / 2,
                             "rel_cpu": {"loader_cpu_seconds": 0.5, "server_cpu_seconds": 1.5,
                                         "server_threads": {"C2 CompilerThread": 0.25,
                                                            "C1 CompilerThread": 0.5,
                                                            "neo4j.BoltWorker": 0.75}}}
        if baseline:
            r.update(baseline_rels_per_second=baseline, baseline_rels_per_cpu_second=baseline,
                     baseline_cpu={}, baseline_rels=10, baseline_seconds=1.0,
                     speedup=rate / baseline)
        return r

    loads = [load(20_000.0, baseline=200.0), load(31_000.0), load(29_000.0)]
    got = median_load(loads)
    assert got["rels_per_second"] == 29_000.0
    assert got["baseline_rels_per_second"] == 200.0 and got["speedup"] == 145.0
    assert got["speedup_cpu"] == round(14_500 / 200, 1)
    assert [x["rels_per_second"] for x in got["repeats"]] == [20_000.0, 31_000.0, 29_000.0]
    assert got["repeats"][0]["server_jit_seconds"] == 0.75
    # an even count: the lower of the two middle ones
    assert median_load(loads[:2])["rels_per_second"] == 20_000.0
    assert median_load(loads[:1])["rels_per_second"] == 20_000.0
