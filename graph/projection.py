"""Projections of the graph into networkx, for the algorithms Cypher is the wrong tool for
(dominators, betweenness).

The dependency projection orients every edge from what is needed to what needs it:
``GOES_INTO`` a -> b and ``TYPE_OF`` a -> b (a narrower input is part of the broader one)
keep their direction; ``REQUIRES`` chip -> input becomes input -> chip.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import networkx as nx

from graph.db import Graph, cypher


def dependency_digraph(edges: Iterable[tuple[str, str, str]]) -> nx.DiGraph:
    """A DiGraph from (start id, end id, relationship type) rows, oriented upstream ->
    downstream."""
    g = nx.DiGraph()
    for a, b, rtype in edges:
        if rtype == "REQUIRES":
            g.add_edge(b, a)
        else:
            g.add_edge(a, b)
    return g


def dependency_projection(graph: Graph, as_of: dt.date) -> nx.DiGraph:
    """The whole Input / Chip dependency graph valid on ``as_of``."""
    rows = graph.read(cypher(__file__, "dependency_edges"), {"as_of": as_of})
    return dependency_digraph((r["a"], r["b"], r["type"]) for r in rows)
