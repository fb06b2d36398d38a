"""The compiled backend (igraph) of the chokepoints summaries against plain networkx, on
generated graphs: betweenness (exact and sampled with networkx's pivots and rescaling)
and immediate dominators; and the graph version that invalidates the summaries."""

from __future__ import annotations

import datetime as dt

import igraph as ig
import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.db import Graph
from queries.summaries import (
    Summary,
    betweenness,
    graph_version,
    immediate_dominators,
    summary,
)
from tests.queries.builder import Builder


@st.composite
def digraphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    n = draw(st.integers(1, 40))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                          max_size=3 * n, unique=True))
    return n, [(a, b) for a, b in edges if a != b]


def both(n: int, edges: list[tuple[int, int]]) -> tuple[ig.Graph, nx.DiGraph]:
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    return ig.Graph(n=n, edges=edges, directed=True), g


@settings(max_examples=200, deadline=None)
@given(graph=digraphs(), k=st.sampled_from([None, 1, 2, 5, 16]))
def test_betweenness_matches_networkx(graph: tuple[int, list[tuple[int, int]]],
                                      k: int | None) -> None:
    n, edges = graph
    h, g = both(n, edges)
    if k is not None and k > n:
        k = n
    want = nx.betweenness_centrality(g, k=k, seed=0, normalized=True)
    got = betweenness(h, k, seed=0)
    assert got == pytest.approx([want[v] for v in range(n)], rel=1e-9, abs=1e-12,
                                nan_ok=True)


def test_betweenness_on_a_larger_generated_graph() -> None:
    """A random graph above the exact limit, sampled with 64 pivots, as the summary does."""
    g = nx.gnm_random_graph(3000, 9000, seed=3, directed=True)
    h = ig.Graph(n=3000, edges=list(g.edges()), directed=True)
    want = nx.betweenness_centrality(g, k=64, seed=0, normalized=True)
    assert betweenness(h, 64, seed=0) == pytest.approx([want[v] for v in range(3000)],
                                                       rel=1e-9, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(graph=digraphs(), root=st.integers(0, 39))
def test_dominators_match_networkx(graph: tuple[int, list[tuple[int, int]]],
                                   root: int) -> None:
    """On the reversed projection from the target, as chokepoints asks."""
    n, edges = graph
    root %= n
    h, g = both(n, edges)
    s = Summary(day=dt.date(2025, 1, 1), version=(), ids=[str(v) for v in range(n)],
                index={str(v): v for v in range(n)}, names={}, top={}, projection=h)
    want = {v: d for v, d in nx.immediate_dominators(g.reverse(), root).items() if v != root}
    assert immediate_dominators(s, root) == want


def test_version_changes_with_any_write(graph: Graph) -> None:
    b = Builder()
    b.node("input:a", "A")
    b.load(graph)
    v1 = graph_version(graph)
    assert graph_version(graph) == v1  # reads do not move it
    more = Builder()
    more.node("input:b", "B")
    more.load(graph)
    assert graph_version(graph) != v1


def test_summaries_are_kept_with_the_graph_until_a_write(graph: Graph) -> None:
    """The same Graph reuses its summary while nothing is written; a write computes a new
    one; another Graph (another connection's owner) keeps its own."""
    b = Builder()
    b.node("input:a", "A")
    b.load(graph)
    day = dt.date(2025, 6, 1)
    first = summary(graph, day)
    assert summary(graph, day) is first
    other = Graph(graph.driver, graph.database, graph.timeout, graph.target)
    assert summary(other, day) is not first
    more = Builder()
    more.node("input:b", "B")
    more.load(graph)
    assert summary(graph, day) is not first
