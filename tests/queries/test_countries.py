"""The country table (queries/countries.py): read once per graph version, seen anew after
any write, and the same groups and tiers as the graph holds."""

from __future__ import annotations

import datetime as dt

import pytest

from graph.db import Graph, cypher
from queries import countries as countries_module
from queries.countries import country_groups, country_table
from queries.scenarios import country_tiers, load_scenario
from tests.queries.builder import Builder
from tests.queries.test_license import counting_reads

DAY = dt.date(2025, 6, 1)


def world(graph: Graph, china: list[str]) -> None:
    b = Builder()
    b.node("CHN", label="Country", bis_country_groups=china)
    b.node("GBR", label="Country", bis_country_groups=["A:1"])
    b.node("SGP", label="Country", bis_country_groups=[])
    b.load(graph)


def test_the_table_is_read_once_per_graph_version(graph: Graph,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    world(graph, ["D:5"])
    query = cypher(countries_module.__file__, "countries")
    reads = counting_reads(graph, monkeypatch)
    default = load_scenario("default")
    assert country_tiers(graph, default)["CHN"] == "concern"
    assert country_groups(graph, ["CHN", "GBR", "XXX"], DAY) == {"CHN": ["D:5"],
                                                                "GBR": ["A:1"]}
    assert country_tiers(graph, default)["GBR"] != "concern"
    assert reads.count(query) == 1


def test_a_write_is_seen_by_the_next_answer(graph: Graph) -> None:
    """Any write gives a new graph version, so the table of the old one is not used: CHN
    leaves D:5 and is no longer of concern under the default scenario (its tier by
    group)."""
    world(graph, ["D:5"])
    first = country_table(graph)
    assert country_tiers(graph, load_scenario("default"))["CHN"] == "concern"
    world(graph, ["D:1"])
    assert country_table(graph) is not first
    assert country_groups(graph, ["CHN"], DAY) == {"CHN": ["D:1"]}
    assert country_tiers(graph, load_scenario("default"))["SGP"] == \
        country_tiers(graph, load_scenario("default"))["CHN"]


def test_another_graph_keeps_its_own_table(graph: Graph) -> None:
    world(graph, ["D:5"])
    other = Graph(graph.driver, graph.database, graph.timeout, graph.target)
    assert country_table(other) is not country_table(graph)
    assert country_table(other) == country_table(graph)
