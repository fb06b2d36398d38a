"""The chokepoints question over GraphQL: `limit` bounds the inputs, chokepoints,
dominators and the ids each dominates (largest concentration first); the totals count
them all."""

from __future__ import annotations

from fastapi.testclient import TestClient

from graph.db import Graph
from tests.api.conftest import gql
from tests.queries.builder import Builder

QUERY = """query($limit: Int) { chokepoints(target: "chip:c0", threshold: 50,
                                              limit: $limit) {
  limit inputsTotal inputsNotListed chokepointsTotal dominatorsTotal chokepoints
  inputs { input { id } byCountry { topShare } chokepoint }
  dominators { node { id } dominates dominatedTotal } } }"""


def test_chokepoints_limit_and_totals(client: TestClient, small: Graph) -> None:
    b = Builder()
    b.node("input:a", "A")
    b.node("input:b", "B")
    b.node("input:c", "C")
    b.rel("SUPPLIES", "CHN", "input:a", share=80.0)
    b.rel("SUPPLIES", "USA", "input:a", share=20.0)
    b.rel("SUPPLIES", "CHN", "input:b", share=100.0)
    b.rel("SUPPLIES", "USA", "input:c", share=40.0)
    b.rel("GOES_INTO", "input:b", "input:a")
    b.rel("GOES_INTO", "input:c", "input:a")
    b.rel("REQUIRES", "chip:c0", "input:a")
    b.load(small)
    res = gql(client, QUERY, {"limit": 1})
    assert "errors" not in res, res
    c = res["data"]["chokepoints"]
    assert (c["limit"], c["inputsTotal"], c["inputsNotListed"], c["chokepointsTotal"],
            c["dominatorsTotal"]) == (1, 3, 2, 2, 1)
    assert c["inputs"] == [{"input": {"id": "input:b"}, "byCountry": {"topShare": 100.0},
                            "chokepoint": True}]
    assert c["chokepoints"] == ["input:b"]
    # the dominated ids too are listed up to `limit`, their count exact
    assert c["dominators"] == [{"node": {"id": "input:a"}, "dominates": ["input:b"],
                                "dominatedTotal": 2}]
    everything = gql(client, QUERY, {"limit": None})["data"]["chokepoints"]
    assert [i["input"]["id"] for i in everything["inputs"]] == [
        "input:b", "input:a", "input:c"]
    assert everything["chokepoints"] == ["input:b", "input:a"]
    assert everything["inputsNotListed"] == 0
    assert everything["dominators"][0]["dominates"] == ["input:b", "input:c"]
    bad = gql(client, QUERY, {"limit": -1})
    assert bad["errors"] and "limit must be >= 0" in bad["errors"][0]["message"]
