"""Consortium exposure on a hand-built consortium."""

from __future__ import annotations

import pytest

from graph.db import Graph
from graph.errors import BadArgument, NotFound
from queries.exposure import exposure
from queries.scenarios import parse_scenario
from tests.queries.builder import Builder


def consortium() -> Builder:
    b = Builder()
    for c, g in (("USA", ["A:5"]), ("ARE", []), ("CHN", ["D:5"]), ("NLD", ["A:5"])):
        b.node(c, label="Country", bis_country_groups=g)
    b.node("consortium:stargate-uae", "Stargate UAE", kind="partnership")
    b.node("list:entity", "Entity List")
    for f, c in (("firm:openai", "USA"), ("firm:g42", "ARE"), ("firm:nvidia", "USA"),
                 ("firm:huawei", "CHN"), ("firm:asml", "NLD")):
        b.rel("HEADQUARTERED_IN", f, c)
    b.rel("MEMBER_OF", "firm:openai", "consortium:stargate-uae", role="lead", stake=0.4)
    b.rel("MEMBER_OF", "firm:g42", "consortium:stargate-uae", stake=0.6)
    b.rel("MEMBER_OF", "firm:huawei", "consortium:stargate-uae", role="former",
          until="2020-01-01")
    b.rel("MEMBER_OF", "ARE", "consortium:stargate-uae", role="host")
    b.rel("LISTED_ON", "firm:g42", "list:entity")
    b.rel("DESIGNS", "firm:nvidia", "chip:gb300")
    b.rel("DEVELOPS", "firm:openai", "model:gpt")
    b.rel("OPERATES", "firm:g42", "dc:abudhabi")
    b.rel("LOCATED_IN", "dc:abudhabi", "ARE")
    b.rel("INCLUDES", "consortium:stargate-uae", "chip:gb300", layer="chip")
    b.rel("INCLUDES", "consortium:stargate-uae", "model:gpt", layer="model")
    b.rel("INCLUDES", "consortium:stargate-uae", "dc:abudhabi", layer="datacenter")
    b.rel("REQUIRES", "chip:gb300", "input:euv")
    b.rel("SUPPLIES", "NLD", "input:euv", share=100.0)
    b.rel("HOSTS", "dc:abudhabi", "chip:gb300")
    b.rel("SHIPS_TO", "firm:g42", "firm:huawei", channel="smuggling", confidence="low")
    return b


def test_consortium_row(graph: Graph) -> None:
    consortium().load(graph)
    scen = parse_scenario({"id": "t", "name": "t", "tiers": {
        "trusted": {"countries": ["USA"]}, "concern": {"groups": ["D:5"]}}}, "t")
    res = exposure(graph, scenario=scen)
    assert len(res.consortia) == 1
    row = res.consortia[0]
    assert row.id == "consortium:stargate-uae" and row.kind == "partnership"
    assert [m.member.id for m in row.members] == ["ARE", "firm:g42", "firm:openai"]
    assert row.members_by_country == {"ARE": 2, "USA": 1}
    assert row.members_by_tier == {"between": 2, "trusted": 1}
    assert row.stakes_by_country == {"ARE": 0.6, "USA": 0.4}
    assert [m.member.id for m in row.listed_members] == ["firm:g42"]
    assert row.layer_countries == {"chip": ["USA"], "datacenter": ["ARE"], "model": ["USA"]}
    assert row.american_share == pytest.approx(2 / 3)
    assert [(c.input.id, c.country, c.chips) for c in row.chokepoints] == [
        ("input:euv", "NLD", ["chip:gb300"])]
    # the data center's operator is itself on the Entity List: the path stops there and
    # does not go on to the Chinese firm it ships to
    assert row.diversion_paths == 1
    assert row.top_paths[0].destination.id == "firm:g42"
    assert row.top_paths[0].reasons == ["listed on Entity List"]


def test_bad_arguments(graph: Graph) -> None:
    consortium().load(graph)
    with pytest.raises(NotFound):
        exposure(graph, "consortium:nope")
    with pytest.raises(BadArgument):
        exposure(graph, "firm:g42")
    with pytest.raises(BadArgument, match="required"):
        exposure(graph, "  ")
    with pytest.raises(BadArgument):
        exposure(graph, scenario="nope")
