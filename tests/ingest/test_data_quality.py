"""The bundled data (data/ and the ETO folder) is clean: it loads with zero rejections,
every relationship has sources and a confidence, every id reference resolves.

The data/ YAML is written by the data engineers; this test tells them what to fix, with
file and line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from graph.db import Graph
from ingest.bundled import load_bundled
from ingest.loader import LoadSummary
from queries.common import values_as_of
from tests.conftest import ROOT, wipe
from tests.ingest.helpers import count


@pytest.fixture(scope="module")
def bundled(session_graph: Graph) -> Iterator[tuple[Graph, LoadSummary]]:
    """The bundled data loaded once for the module's read-only checks."""
    wipe(session_graph)
    yield session_graph, load_bundled(session_graph)


def test_bundled_data_loads_without_rejections(bundled: tuple[Graph, LoadSummary]) -> None:
    summary = bundled[1]
    # ETO's pseudo-providers are the dataset's own dirt: reported, expected
    errors = [r for r in summary.errors
              if not (r.origin and "eto-semiconductor-supply-chain" in r.origin.file)]
    assert not errors, "\n".join(str(r) for r in errors[:40])


def test_every_relationship_has_sources_and_confidence(
        bundled: tuple[Graph, LoadSummary]) -> None:
    graph = bundled[0]
    bad = graph.read("MATCH (a)-[r]->(b) WHERE r.sources IS NULL OR size(r.sources) = 0 "
                     "OR NOT r.confidence IN ['high', 'medium', 'low'] "
                     "RETURN a.id AS a, type(r) AS t, b.id AS b LIMIT 20")
    assert not bad
    assert count(graph, "MATCH ()-[r]->() RETURN count(r) AS n") > 1000


def test_every_source_reference_resolves(bundled: tuple[Graph, LoadSummary]) -> None:
    graph = bundled[0]
    dangling = graph.read(
        "MATCH (x) WHERE x.sources IS NOT NULL UNWIND x.sources AS s "
        "OPTIONAL MATCH (src:Source {id: s}) WITH x, s WHERE src IS NULL "
        "RETURN x.id AS node, s LIMIT 20")
    assert not dangling
    dangling_rels = graph.read(
        "MATCH ()-[r]->() UNWIND r.sources AS s "
        "OPTIONAL MATCH (src:Source {id: s}) WITH r, s WHERE src IS NULL "
        "RETURN type(r) AS t, s LIMIT 20")
    assert not dangling_rels
    # every node but a Source cites a source
    assert count(graph, "MATCH (n) WHERE NOT n:Source AND (n.sources IS NULL OR "
                        "size(n.sources) = 0) RETURN count(n) AS n") == 0


# --- values that change over time: each history in data/ answers `as_of` (DESIGN 4) ---

DATED_CASES = [
    # (node id, dated property, day, value expected that day) — one pair of days per history
    ("KHM", "bis_country_groups", "2021-06-01", ["D:1"]),
    ("KHM", "bis_country_groups", "2025-06-01", ["D:1", "D:5"]),
    ("KHM", "bis_country_groups", "2026-06-01", ["D:1"]),
    ("model:xai-grok-2", "open_weights", "2025-01-01", False),
    ("model:xai-grok-2", "open_weights", "2025-09-01", True),
    ("model:baidu-ernie-4-5", "open_weights", "2025-04-01", False),
    ("model:baidu-ernie-4-5", "open_weights", "2025-07-01", True),
    ("dc:stargate-uk", "status", "2026-01-01", "planned"),
    ("dc:stargate-uk", "status", "2026-05-01", "paused"),
    ("consortium:stargate-uk", "status", "2026-01-01", "active"),
    ("consortium:stargate-uk", "status", "2026-05-01", "paused"),
    ("dc:stargate-abilene", "status", "2025-06-01", "under_construction"),
    ("dc:stargate-abilene", "status", "2025-10-01", "operational"),
]


@pytest.mark.parametrize(("node", "prop", "day", "expected"), DATED_CASES)
def test_dated_values_answer_as_of(bundled: tuple[Graph, LoadSummary], node: str, prop: str,
                                   day: str, expected: object) -> None:
    values = values_as_of(bundled[0], [node], prop, dt.date.fromisoformat(day))
    got = values[node]
    assert (sorted(got) if isinstance(got, list) else got) == expected


def test_every_history_in_the_data_is_checked_as_of(bundled: tuple[Graph, LoadSummary]) -> None:
    """A history added to data/ gets a case above (the issue asks an as_of test for each)."""
    rows = bundled[0].read("MATCH (n)-[:HAS_VALUE]->(v:Value) "
                           "RETURN DISTINCT n.id AS id, v.property AS prop")
    assert {(r["id"], r["prop"]) for r in rows} <= {(n, p) for n, p, _, _ in DATED_CASES}
    assert len(rows) >= 6


# --- the shape of facts the 2026-12 review found mixed up ---

def test_owns_share_is_equity_never_control(bundled: tuple[Graph, LoadSummary]) -> None:
    """`share` sizes an equity (or voting) stake; control is the `control` flag."""
    bad = bundled[0].read("MATCH (a)-[r:OWNS]->(b) WHERE r.kind = 'control' "
                          "AND r.share IS NOT NULL RETURN a.id AS a, b.id AS b")
    assert not bad
    foundation = bundled[0].read(
        "MATCH (:Firm {id: 'firm:openai-foundation'})-[r:OWNS]->(:Firm {id: 'firm:openai'}) "
        "WHERE r.share IS NOT NULL RETURN r.share AS share, r.kind AS kind, r.control AS c")
    assert foundation == [{"share": 0.26, "kind": "equity", "c": True}]


def test_emirate_funds_are_not_owned_by_the_federation(
        bundled: tuple[Graph, LoadSummary]) -> None:
    owners = bundled[0].read(
        "MATCH (o)-[:OWNS]->(f:Firm) WHERE f.id IN ['firm:mubadala', 'firm:adq', 'firm:adia'] "
        "RETURN DISTINCT o.id AS id")
    assert [r["id"] for r in owners] == ["firm:government-of-abu-dhabi"]


def test_every_shipped_quantity_says_what_it_counts(bundled: tuple[Graph, LoadSummary]) -> None:
    bad = bundled[0].read("MATCH (a)-[r:SHIPS_TO]->(b) WHERE r.quantity IS NOT NULL "
                          "AND r.quantity_kind IS NULL RETURN a.id AS a, b.id AS b")
    assert not bad
    assert count(bundled[0], "MATCH ()-[r:SHIPS_TO]->() WHERE r.quantity IS NOT NULL "
                             "RETURN count(r) AS n") > 5


def test_listed_holding_and_operating_companies_are_separate(
        bundled: tuple[Graph, LoadSummary]) -> None:
    """A listing names one legal entity; its parent is reached through OWNS."""
    rows = bundled[0].read(
        "UNWIND [['firm:huawei-investment-holding', 'firm:huawei'], "
        "        ['firm:inspur', 'firm:inspur-information'], "
        "        ['firm:acm-research', 'firm:acm-research-shanghai']] AS pair "
        "MATCH (p:Firm {id: pair[0]})-[:OWNS]->(c:Firm {id: pair[1]}) RETURN count(*) AS n")
    assert rows[0]["n"] == 3
    undated = bundled[0].read("MATCH (f)-[r:LISTED_ON]->(:ControlList) WHERE r.since IS NULL "
                              "RETURN f.id AS id")
    assert not undated


# --- sources an analyst can open (issue 14, section 4) ---

#: the share of curated sources with a URL read through the search tool; raise it as
#: sources gain URLs (the issue's target is 0.8)
MIN_URL_SHARE = 0.88
PLACEHOLDER = "company website and investor relations"


def _curated_sources() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((ROOT / "data").rglob("*.yaml")):
        if "scenarios" in path.parts:
            continue
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for s in doc.get("sources") or []:
            out[s["id"]] = s
    return out


def test_most_sources_have_a_url() -> None:
    sources = _curated_sources()
    with_url = [s for s in sources.values() if s.get("url")]
    assert len(with_url) / len(sources) >= MIN_URL_SHARE, (
        f"{len(with_url)} of {len(sources)} sources have a URL")
    assert all(str(s["url"]).startswith(("http://", "https://")) for s in with_url)



def test_no_high_confidence_fact_rests_only_on_a_placeholder(
        bundled: tuple[Graph, LoadSummary]) -> None:
    placeholders = [sid for sid, s in _curated_sources().items()
                    if PLACEHOLDER in str(s.get("title", "")).lower()]
    bad = bundled[0].read(
        "MATCH (a)-[r]->(b) WHERE r.confidence = 'high' AND size(r.sources) > 0 "
        "AND all(s IN r.sources WHERE s IN $ph) "
        "RETURN a.id AS a, type(r) AS t, b.id AS b LIMIT 20", {"ph": placeholders})
    bad += bundled[0].read(
        "MATCH (n) WHERE NOT n:Source AND n.confidence = 'high' AND size(n.sources) > 0 "
        "AND all(s IN n.sources WHERE s IN $ph) RETURN n.id AS a LIMIT 20", {"ph": placeholders})
    assert not bad, bad
