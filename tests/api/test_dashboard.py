"""Dashboard endpoints on the bundled data: one row per consortium, stable columns, the
same numbers in JSON and CSV, and numbers checked against Cypher counted independently."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient

from api.dashboard import COLUMNS, exposure_rows
from graph.db import Graph
from tests.queries.builder import Builder

pytestmark = pytest.mark.neo4j


def test_json_and_csv_agree(bundled_client: TestClient, bundled: Graph) -> None:
    data = bundled_client.get("/exposure/consortia.json").json()
    assert data["columns"] == list(COLUMNS)
    consortia = bundled.read("MATCH (k:Consortium) RETURN k.id AS id ORDER BY id")
    assert sorted(r["consortium_id"] for r in data["rows"]) == [c["id"] for c in consortia]
    res = bundled_client.get("/exposure/consortia.csv")
    assert res.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert list(rows[0].keys()) == list(COLUMNS)
    by_id = {r["consortium_id"]: r for r in rows}
    for j in data["rows"]:
        c = by_id[j["consortium_id"]]
        for col in COLUMNS:
            expected = "" if j[col] is None else str(j[col])
            assert c[col] == expected, (col, j["consortium_id"])


def test_member_counts_match_cypher(bundled_client: TestClient, bundled: Graph) -> None:
    data = bundled_client.get("/exposure/consortia.json", params={"as_of": "2025-06-01"}).json()
    assert data["as_of"] == "2025-06-01"
    counts = {r["id"]: r for r in bundled.read(
        "MATCH (k:Consortium) OPTIONAL MATCH (m)-[r:MEMBER_OF]->(k) "
        "WHERE (r.since IS NULL OR r.since <= date('2025-06-01')) "
        "AND (r.until IS NULL OR r.until >= date('2025-06-01')) "
        "RETURN k.id AS id, count(DISTINCT m) AS members")}
    for row in data["rows"]:
        assert row["members"] == counts[row["consortium_id"]]["members"]
        assert row["members"] == (row["members_trusted"] + row["members_between"]
                                  + row["members_concern"] + row["members_unknown_tier"])


def test_scenario_switch_changes_tiers(bundled_client: TestClient) -> None:
    a = bundled_client.get("/exposure/consortia.json",
                           params={"scenario": "american-monopoly"}).json()
    b = bundled_client.get("/exposure/consortia.json",
                           params={"scenario": "arms-embargo"}).json()
    assert a["scenario"] == "american-monopoly" and b["scenario"] == "arms-embargo"
    assert [r["members"] for r in a["rows"]] == [r["members"] for r in b["rows"]]
    concern_a = sum(r["members_concern"] for r in a["rows"])
    concern_b = sum(r["members_concern"] for r in b["rows"])
    # an American monopoly puts every non-US country of concern at least as often as the
    # arms embargo alone does
    assert concern_a >= concern_b


def test_scenarios_and_config(bundled_client: TestClient) -> None:
    sc = bundled_client.get("/exposure/scenarios.json").json()
    assert sc["default"] in [s["id"] for s in sc["scenarios"]]
    cfg = bundled_client.get("/dashboard/config.json").json()
    assert cfg["graphiql"] == "/graphql" and cfg["neo4j_browser"].startswith("http://")
    page = bundled_client.get("/")
    assert page.status_code == 200 and "/static/vendor/chart.umd.min.js" in page.text
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    assert bundled_client.get("/static/vendor/chart.umd.min.js").status_code == 200


def test_rows_are_kept_until_the_graph_changes(small: Graph) -> None:
    """The consortium rows are computed once per graph version and day: asked again they
    are the same answer; after a write (a new consortium) they are computed anew."""
    day = dt.date(2025, 6, 1)
    first = exposure_rows(small, None, day)
    assert exposure_rows(small, None, day) is first
    assert exposure_rows(small, None, dt.date(2025, 6, 2)) is not first
    b = Builder()
    b.node("consortium:new", "New consortium", kind="alliance")
    b.load(small)
    again = exposure_rows(small, None, day)
    assert again is not first
    assert ({r["consortium_id"] for r in again[2]}
            == {r["consortium_id"] for r in first[2]} | {"consortium:new"})
