"""Paths: shortest and all simple paths, against networkx on random graphs."""

from __future__ import annotations

from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.db import Graph
from graph.errors import BadArgument, NotFound
from queries.paths import paths
from tests.conftest import wipe
from tests.queries.builder import Builder

FIRMS = [f"firm:p{i}" for i in range(7)]
TYPES = ["OWNS", "SHIPS_TO", "SERVES"]


@st.composite
def firm_graphs(draw: Any) -> list[tuple[str, str, str]]:
    edges = set()
    for _ in range(draw(st.integers(0, 14))):
        a, b = draw(st.sampled_from(FIRMS)), draw(st.sampled_from(FIRMS))
        if a != b:
            edges.add((a, b, draw(st.sampled_from(TYPES))))
    return sorted(edges)


def seq(p: Any) -> tuple[str, ...]:
    return tuple([p.hops[0].from_id] + [h.to_id for h in p.hops])


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edges=firm_graphs(), types=st.sampled_from([None, ["OWNS"], ["SHIPS_TO", "SERVES"]]),
       max_hops=st.integers(1, 4))
def test_differential_against_networkx(graph: Graph, edges: list[tuple[str, str, str]],
                                       types: list[str] | None, max_hops: int) -> None:
    wipe(graph)
    b = Builder()
    for f in FIRMS:
        b.node(f)
    for a, bb, t in edges:
        b.rel(t, a, bb, **({"item": ""} if t == "SHIPS_TO" else {"what": ""}
                           if t == "SERVES" else {"share": 0.1}))
    b.load(graph)
    g = nx.Graph()
    g.add_nodes_from(FIRMS)
    g.add_edges_from((a, bb) for a, bb, t in edges if types is None or t in types)
    src, dst = FIRMS[0], FIRMS[1]
    res = paths(graph, src, dst, types=types, max_hops=max_hops, limit=10_000)
    short = {tuple(p) for p in nx.all_shortest_paths(g, src, dst)} if nx.has_path(
        g, src, dst) else set()
    short = {p for p in short if len(p) - 1 <= max_hops}
    # multigraph: two relationships between the same pair give two paths with one node seq
    assert {seq(p) for p in res.paths} == short
    res_all = paths(graph, src, dst, types=types, max_hops=max_hops, all_paths=True,
                    limit=10_000)
    want = {tuple(p) for p in nx.all_simple_paths(g, src, dst, cutoff=max_hops)}
    assert {seq(p) for p in res_all.paths} == want
    lengths = [p.length for p in res_all.paths]
    assert lengths == sorted(lengths)


def test_hops_explain_direction_and_bad_arguments(graph: Graph) -> None:
    b = Builder()
    b.rel("OWNS", "firm:a", "firm:b", share=0.3)
    b.rel("SHIPS_TO", "firm:c", "firm:b", item="chip:x")
    b.load(graph)
    res = paths(graph, "firm:a", "firm:c")
    assert [(h.type, h.direction) for h in res.paths[0].hops] == [
        ("OWNS", "forward"), ("SHIPS_TO", "backward")]
    assert res.paths[0].hops[0].properties["share"] == 0.3
    assert paths(graph, "firm:a", "firm:c", types=["OWNS"]).paths == []
    with pytest.raises(BadArgument, match="unknown relationship type"):
        paths(graph, "firm:a", "firm:c", types=["BOGUS"])
    with pytest.raises(BadArgument):
        paths(graph, "firm:a", "firm:c", max_hops=0)
    with pytest.raises(NotFound):
        paths(graph, "firm:a", "firm:zzz")


def test_found_paths_name_their_ends_without_a_look_up(graph: Graph,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The ends come from the paths found (no look-up read); without a path they come from
    the look-ups, and an unknown or repeated end is said as before."""
    import queries.common as common_module
    from graph.db import cypher
    from tests.queries.test_license import counting_reads

    b = Builder()
    b.rel("OWNS", "firm:a", "firm:b", share=0.3)
    b.node("firm:alone", "Alone")
    b.load(graph)
    reads = counting_reads(graph, monkeypatch)
    look_up = cypher(common_module.__file__, "lookup")
    found = paths(graph, " firm:a ", "firm:b")
    assert look_up not in reads
    assert (found.source.id, found.source.label, found.target.name) == ("firm:a", "Firm",
                                                                        "firm:b")
    none = paths(graph, "firm:a", "firm:alone")
    assert none.paths == [] and (none.target.id, none.target.name) == ("firm:alone", "Alone")
    assert reads.count(look_up) == 2
    with pytest.raises(BadArgument, match="same entity"):
        paths(graph, "firm:a", "firm:a ")
    with pytest.raises(NotFound):
        paths(graph, "firm:zzz", "firm:zzz")
    with pytest.raises(BadArgument, match="id is required"):
        paths(graph, "firm:a", "  ")
