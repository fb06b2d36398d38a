"""The what-if question over GraphQL: `limit` bounds the lists, the counts stay exact and
say how many rows were left out."""

from __future__ import annotations

from fastapi.testclient import TestClient

from graph.db import Graph
from tests.api.conftest import gql
from tests.queries.builder import Builder

QUERY = """query($limit: Int) { whatIf(remove: ["CHN"], limit: $limit) {
  limit inputsAffected inputsAllLost shareLostTotal inputsNotListed
  targetsAffected targetsNotListed
  inputs { input { id } shareLost allSupplyLost }
  targetsCutOff { target { id } inputsLost } } }"""


def test_what_if_limit_and_counts(client: TestClient, small: Graph) -> None:
    b = Builder()
    b.node("input:a", "A")
    b.node("input:b", "B")
    b.rel("SUPPLIES", "CHN", "input:a", share=80.0)
    b.rel("SUPPLIES", "USA", "input:a", share=20.0)
    b.rel("SUPPLIES", "CHN", "input:b", share=100.0)
    b.rel("GOES_INTO", "input:b", "input:a")
    b.rel("REQUIRES", "chip:c0", "input:b")
    b.load(small)
    res = gql(client, QUERY, {"limit": 1})
    assert "errors" not in res, res
    w = res["data"]["whatIf"]
    assert (w["limit"], w["inputsAffected"], w["inputsAllLost"], w["inputsNotListed"]) == (
        1, 2, 1, 1)
    assert w["shareLostTotal"] == 180.0
    assert w["inputs"] == [{"input": {"id": "input:b"}, "shareLost": 100.0,
                            "allSupplyLost": True}]
    # every target lost one input: chips first, then ids
    assert (w["targetsAffected"], w["targetsNotListed"]) == (3, 2)
    assert w["targetsCutOff"] == [{"target": {"id": "chip:c0"}, "inputsLost": ["input:b"]}]
    everything = gql(client, QUERY, {"limit": None})["data"]["whatIf"]
    assert [i["input"]["id"] for i in everything["inputs"]] == ["input:b", "input:a"]
    assert [t["target"]["id"] for t in everything["targetsCutOff"]] == [
        "chip:c0", "input:a", "input:b"]
    assert everything["inputsNotListed"] == everything["targetsNotListed"] == 0
    bad = gql(client, QUERY, {"limit": -1})
    assert bad["errors"] and "limit must be >= 0" in bad["errors"][0]["message"]
