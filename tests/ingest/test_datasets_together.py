"""Every public-dataset importer in one ``stackgraph ingest`` run beside the bundled data:
the names they share meet on one node, the graph reaches the issue's sizes, and loading
the same run again changes nothing (no importer undoes another's values)."""

from __future__ import annotations

from collections import Counter

from graph.db import Graph
from ingest.chipnames import chip_key
from tests.ingest.datasets import (
    CLUSTERS_CSV,
    DATA,
    DOD_CSV,
    HARDWARE_CSV,
    MIEU_CSV,
    fresh_with_bundled,
    ingest_all,
)
from tests.ingest.helpers import count, snapshot

PATHS = [CLUSTERS_CSV, HARDWARE_CSV, DATA / "epoch-data-centers",
         DATA / "epoch-ai-chip-counts", DOD_CSV, MIEU_CSV]


def test_all_datasets_load_together_and_reload_changes_nothing(session_graph: Graph) -> None:
    graph = session_graph
    fresh_with_bundled(graph)
    first = ingest_all(graph, PATHS)
    assert not first.errors, [str(e) for e in first.errors[:5]]
    assert count(graph, "MATCH (d:DataCenter) RETURN count(d) AS n") >= 600
    assert count(graph, "MATCH (d:DataCenter)-[:LOCATED_IN]->(:Country {id: 'CHN'}) "
                        "RETURN count(d) AS n") >= 200
    assert count(graph, "MATCH (c:Chip) WHERE c.tpp IS NOT NULL RETURN count(c) AS n") >= 150
    assert count(graph, "MATCH (l:ControlList) RETURN count(l) AS n") >= 3
    # chips named by several datasets meet on one node: no two share a normalised name
    names = Counter(chip_key(r["name"]) for r in graph.read("MATCH (c:Chip) RETURN c.name AS "
                                                            "name"))
    assert not [n for n, k in names.items() if k > 1]
    # the H100 every dataset names is the curated one: its values cite the hardware and
    # chip-count datasets, the clusters that host it cite theirs
    sources = graph.read("MATCH (c:Chip {id: 'chip:nvidia-h100-sxm'}) RETURN c.sources AS s")
    assert {"src:epoch-ml-hardware", "src:epoch-ai-chip-counts"} <= set(sources[0]["s"])
    assert count(graph, "MATCH (:DataCenter)-[h:HOSTS]->(:Chip {id: 'chip:nvidia-h100-sxm'}) "
                        "WHERE $s IN h.sources RETURN count(h) AS n",
                 s="src:epoch-gpu-clusters") > 90
    before = snapshot(graph)
    again = ingest_all(graph, PATHS)
    assert snapshot(graph) == before
    totals = again.totals()
    assert totals["nodes"]["created"] == 0 == totals["nodes"]["updated"]
    assert totals["relationships"]["created"] == 0 == totals["relationships"]["updated"]
