"""The ``epoch-datacenters`` importer on Epoch AI's real frontier data centers folder,
beside the bundled data: campuses, parties with their tags' confidence, and the dated
timeline that ``as_of`` reads (checked against the CSV with graph.dated.value_as_of)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from graph.dated import value_as_of
from graph.db import Graph
from ingest.epoch_datacenters import SOURCE_ID, address_country
from ingest.formats import detect_format
from ingest.loader import LoadSummary
from tests.ingest.datasets import DATA, csv_rows, fresh_with_bundled, ingest
from tests.ingest.helpers import count, snapshot

FOLDER = DATA / "epoch-data-centers"
COLOSSUS = "dc:epoch-campus-xai-colossus-1-memphis-tennessee"


@pytest.fixture(scope="module")
def loaded(session_graph: Graph) -> Iterator[tuple[Graph, LoadSummary]]:
    fresh_with_bundled(session_graph)
    yield session_graph, ingest(session_graph, FOLDER)


def test_detected_from_its_files() -> None:
    assert detect_format(FOLDER) == "epoch-datacenters"


def test_campuses_countries_and_parties(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, summary = loaded
    rows = csv_rows(FOLDER / "data_centers.csv")
    assert len(rows) == 17 and not summary.errors, summary.errors[:3]
    assert count(graph, "MATCH (d:DataCenter) WHERE $s IN d.sources RETURN count(d) AS n",
                 s=SOURCE_ID) == 17
    assert count(graph, "MATCH (d:DataCenter)-[:LOCATED_IN]->(c:Country) WHERE $s IN "
                        "d.sources RETURN count(d) AS n", s=SOURCE_ID) == 17
    assert {r["c"]: r["n"] for r in graph.read(
        "MATCH (d:DataCenter)-[:LOCATED_IN]->(c) WHERE $s IN d.sources "
        "RETURN c.id AS c, count(d) AS n", {"s": SOURCE_ID})} == {"USA": 15, "CHN": 1, "ARE": 1}
    for column, rel in (("Owner", "OPERATES"), ("Investors", "INVESTS_IN"),
                        ("Construction companies", "BUILDS"), ("Energy companies", "POWERS")):
        expected = sum(len({p.strip() for p in r[column].split(",") if p.strip()}) for r in rows)
        assert count(graph, f"MATCH (:Firm)-[r:{rel}]->(d:DataCenter) WHERE $s IN r.sources "
                            "RETURN count(r) AS n", s=SOURCE_ID) == expected, rel
    # tags -> confidence: Amazon owns New Carlisle (#confident), Anthropic uses it (#confident)
    carlisle = "dc:epoch-campus-anthropic-amazon-project-rainier-new-carlisle-indiana"
    assert graph.read("MATCH (f:Firm)-[r]->(:DataCenter {id: $d}) RETURN f.id AS f, type(r) "
                      "AS t, r.confidence AS c ORDER BY t", {"d": carlisle}) == [
        {"f": "firm:amazon", "t": "OPERATES", "c": "high"},
        {"f": "firm:anthropic", "t": "USES", "c": "high"}]
    canton = graph.read("MATCH (f:Firm)-[r:USES]->(:DataCenter {id: "
                        "'dc:epoch-campus-amazon-canton-mississippi'}) RETURN f.id AS f, "
                        "r.confidence AS c")
    assert canton == [{"f": "firm:anthropic", "c": "low"}]  # #speculative


def test_as_of_sees_the_timeline(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, _ = loaded
    timeline = [r for r in csv_rows(FOLDER / "data_center_timelines.csv")
                if r["Data center"] == "xAI Colossus 1 Memphis Tennessee"]
    points = [{"value": float(r["H100 equivalents"]), "since": dt.date.fromisoformat(r["Date"])}
              for r in timeline if r["H100 equivalents"]]
    stored = graph.read("MATCH (:DataCenter {id: $d})-[:HAS_VALUE]->(v:Value {property: "
                        "'h100_equivalents'}) RETURN v.value AS value, v.since AS since, "
                        "v.until AS until", {"d": COLOSSUS})
    entries = [{"value": r["value"], "since": r["since"].to_native(),
                "until": r["until"].to_native() if r["until"] else None} for r in stored]
    for day in (dt.date(2024, 8, 1), dt.date(2024, 8, 20), dt.date(2024, 12, 1),
                dt.date(2025, 3, 1), dt.date(2025, 10, 1), dt.date(2026, 1, 1)):
        expected = max((p for p in points if p["since"] <= day), key=lambda p: p["since"])
        assert value_as_of(entries, day) == pytest.approx(expected["value"]), day
    status = graph.read("MATCH (:DataCenter {id: $d})-[:HAS_VALUE]->(v:Value {property: "
                        "'status'}) RETURN v.value AS value, toString(v.since) AS since "
                        "ORDER BY since", {"d": COLOSSUS})
    assert status == [{"value": "under_construction", "since": "2024-04-24"},
                      {"value": "operational", "since": "2024-08-11"}]


def test_addresses_resolve_through_pycountry() -> None:
    assert address_country("10001 Lima Rd, Claude, TX 79019") == "USA"
    assert address_country("1626 County Line Road Ridgeland, Mississippi") == "USA"
    assert address_country("Zhangbei County, Zhangjiakou, Hebei, China, 076471") == "CHN"
    assert address_country("Al Dhafrah, Abu Dhabi, United Arab Emirates") == "ARE"
    assert address_country("Somewhere") is None


def test_reload_changes_nothing(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, _ = loaded
    before = snapshot(graph)
    again = ingest(graph, FOLDER, "epoch-datacenters")
    assert snapshot(graph) == before
    totals = again.totals()
    assert totals["nodes"]["created"] == 0 == totals["nodes"]["updated"]
    assert totals["relationships"]["created"] == 0 == totals["relationships"]["updated"]
