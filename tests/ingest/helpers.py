"""Shared helpers of the ingest tests: snapshots of the whole graph, small YAML inputs."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from graph.db import Graph
from ingest.curated import read_curated
from ingest.loader import LoadSummary
from ingest.pipeline import list_source, run_load
from tests.conftest import ROOT

COUNTRY_GROUPS = ROOT / "data" / "countries" / "bis_country_groups.yaml"


def plain(value: Any) -> Any:
    if hasattr(value, "iso_format"):
        return value.iso_format()
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def snapshot(graph: Graph) -> tuple[list[str], list[str]]:
    """Every node (labels + properties) and every relationship (type, ends, properties),
    as sorted JSON strings: two graphs are equal when their snapshots are."""
    nodes = graph.read("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    rels = graph.read("MATCH (a)-[r]->(b) RETURN type(r) AS type, a.id AS a, b.id AS b, "
                      "properties(r) AS props")
    n = sorted(json.dumps([sorted(r["labels"]), {k: plain(v) for k, v in r["props"].items()}],
                          sort_keys=True) for r in nodes)
    e = sorted(json.dumps([r["type"], r["a"], r["b"],
                           {k: plain(v) for k, v in r["props"].items()}], sort_keys=True)
               for r in rels)
    return n, e


def count(graph: Graph, query: str, **params: Any) -> int:
    return int(graph.read(query, params)[0]["n"])


def load_countries(graph: Graph) -> LoadSummary:
    """Every ISO country with its EAR groups (the endpoints most facts need)."""
    summary = run_load(graph, list_source(read_curated([COUNTRY_GROUPS])), progress=False)
    assert not summary.errors, summary.errors[:3]
    return summary


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


GOOD = """
sources:
  - id: src:test
    title: "A test source"
    publisher: "The tests"
    published: 2025-01-02
nodes:
  - label: Firm
    id: firm:alpha
    name: Alpha
    aliases: [Alpha Inc.]
    kind: [chip_designer]
    sources: [src:test]
    confidence: high
  - label: Firm
    id: firm:beta
    name: Beta
    sources: [src:test]
    confidence: medium
relationships:
  - type: HEADQUARTERED_IN
    from: firm:alpha
    to: USA
    sources: [src:test]
    confidence: high
  - type: OWNS
    from: firm:alpha
    to: firm:beta
    share: 0.4
    kind: equity
    since: 2020-03
    sources: [src:test]
    confidence: medium
"""
