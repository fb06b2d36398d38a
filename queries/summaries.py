"""Summaries of the graph that do not change between questions, computed once per graph
version and day and reused by chokepoints and what-if.

* Per input: its top country share (as ``chokepoints.concentration`` gives it), so a
  question can rank and count every input of a large upstream and build the full
  concentration (provider lists) only for the ``limit`` it lists.
* Structure: the dependency projection (inputs and chips; GOES_INTO / TYPE_OF as they
  are, REQUIRES as input -> chip) as an igraph graph, so a target's upstream, its
  dominators and the cut-off walk of a what-if run in compiled code; and betweenness on
  the whole projection, computed once (BENCHMARKS.md, "Queries", says why igraph).
* Supply: per provider its SUPPLIES (input, share), per firm its headquarters, per
  country the firms headquartered in it: what-if reads its losses from these.

A graph version is the bookmark a read transaction returns: the server's last committed
transaction, so any write (a load, a re-ingest that only changes a share) gives a new
version and the next question computes the summaries anew. Nothing is written to the
database; the Graph keeps the last few (``graph.db.Kept``), so the API server reuses
them across requests for as long as its lifespan holds the connection.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import igraph as ig
import numpy as np
from neo4j import READ_ACCESS
from neo4j.exceptions import DriverError, Neo4jError

from graph.db import Graph, Kept, cypher, translate

#: betweenness is sampled (k pivots, fixed seed, as networkx's ``k``/``seed``) above
#: this many nodes
BETWEENNESS_EXACT_MAX = 2000
BETWEENNESS_SAMPLES = 64
#: summaries a Graph keeps (by day and graph version)
KEEP = 4


@dataclass
class Supply:
    """The SUPPLIES relationships valid on a day, indexed for what-if."""

    #: input id -> [(provider id, share or None, provider is a Country)]
    by_input: dict[str, list[tuple[str, float | None, bool]]]
    #: firm id -> its headquarters country (the first valid one), firms with one only
    hq: dict[str, str]
    #: country id -> every firm with a valid HEADQUARTERED_IN to it
    firms_in: dict[str, list[str]]
    #: inputs numbered in id order: input ids; per provider its relationships' input
    #: numbers and shares (None as 0); per input number its relationship count and
    #: whether it has a Country provider
    input_ids: list[str] = field(default_factory=list)
    rels_of: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    n_rels_arr: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    has_country_arr: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))


@dataclass
class Summary:
    day: dt.date
    version: tuple[str, ...]
    #: vertex index -> id (every input, then every chip with a REQUIRES)
    ids: list[str]
    index: dict[str, int]
    #: every input: name and top country share (None: no known share)
    names: dict[str, str]
    top: dict[str, float | None]
    projection: ig.Graph
    #: every chip with a REQUIRES that day: its name (a chip question's target, unread)
    chips: dict[str, str] = field(default_factory=dict)
    _betweenness: list[float] | None = None
    _out: list[list[int]] | None = None
    _supply: Supply | None = None
    #: input id -> its concentration row (concentration.cypher; None: no such input),
    #: read on first use
    _concentration: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        # each vertex knows its index, so a subgraph maps back to the projection
        self.projection.vs["v"] = list(range(self.projection.vcount()))

    def betweenness(self) -> list[float]:
        """Betweenness of every vertex on the whole projection (computed on first use)."""
        with self._lock:
            if self._betweenness is None:
                n = self.projection.vcount()
                k = None if n <= BETWEENNESS_EXACT_MAX else BETWEENNESS_SAMPLES
                self._betweenness = betweenness(self.projection, k, seed=0)
            return self._betweenness

    def out_adjacency(self) -> list[list[int]]:
        """Per vertex, the vertices it goes into (computed on first use)."""
        with self._lock:
            if self._out is None:
                self._out = self.projection.get_adjlist(mode="out")
            return self._out

    def supply(self, graph: Graph) -> Supply:
        """The supply index of the summary's graph and day (read on first use)."""
        with self._lock:
            if self._supply is None:
                self._supply = _read_supply(graph, self.day)
            return self._supply

    def concentration_rows(self, graph: Graph, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The provider lists of the inputs ``ids`` (rows of concentration.cypher, in the
        order of ``ids``; ids that are no input are left out), each input read once per
        summary: an exposure row asks for the upstream of every chip it includes, and the
        chokepoints of the same chips are asked again and again."""
        with self._lock:
            missing = sorted({i for i in ids if i not in self._concentration})
        if missing:  # read outside the lock: two questions may read the same rows once more
            rows = graph.read(cypher(__file__, "concentration"),
                              {"ids": missing, "as_of": self.day}, plain=True)[0]["inputs"]
            found: dict[str, dict[str, Any] | None] = dict.fromkeys(missing)
            found.update((r["id"], r) for r in rows)
            with self._lock:
                self._concentration.update(found)
        return [r for i in ids if (r := self._concentration[i]) is not None]

    def upstream(self, target: str) -> list[int]:
        """The vertices with a dependency path into ``target`` (and ``target``)."""
        v = self.index.get(target)
        return [] if v is None else self.projection.subcomponent(v, mode="in")


def betweenness(g: ig.Graph, k: int | None, seed: int = 0) -> list[float]:
    """Normalized directed betweenness (endpoints excluded) per vertex, exactly as
    ``networkx.betweenness_centrality(G, k=k, seed=seed, normalized=True)`` on the same
    graph with its nodes in vertex order: the same ``k`` pivots (``random.Random(seed)
    .sample``), their shortest-path dependencies summed by igraph, networkx's rescaling."""
    n = g.vcount()
    if k is not None and k >= n:
        k = None
    sources = None if k is None else random.Random(seed).sample(range(n), k)
    raw = g.betweenness(directed=True, sources=sources) if n else []
    big_n = n - 1
    if big_n < 2:
        return [float(x) for x in raw]
    if k is None:
        scale = 1 / (big_n * (big_n - 1))
        return [x * scale for x in raw]
    picked = set(sources or ())
    src = 1 / ((k - 1) * (big_n - 1)) if k > 1 else float("nan")
    other = 1 / (k * (big_n - 1))
    return [x * (src if v in picked else other) for v, x in enumerate(raw)]


def immediate_dominators(s: Summary, target: int,
                         upstream: Sequence[int] | None = None) -> dict[int, int]:
    """vertex -> its immediate dominator, on the reversed projection from ``target``
    (every upstream vertex but the target itself). On the subgraph of the upstream
    (``upstream``: the target's, when already known): igraph's dominator on the whole
    projection costs its whole size even for a target with a few inputs."""
    up = s.projection.subcomponent(target, mode="in") if upstream is None else upstream
    sub = s.projection.induced_subgraph(up)
    orig: list[int] = sub.vs["v"]
    dom = sub.dominator(orig.index(target), mode="in")
    return {orig[v]: orig[int(d)] for v, d in enumerate(dom) if d == d and d >= 0}


def graph_version(graph: Graph) -> tuple[str, ...]:
    """The bookmark of a trivial read: it names the last committed transaction."""
    try:
        with graph.driver.session(database=graph.database,
                                  default_access_mode=READ_ACCESS) as session:
            session.run(cypher(__file__, "version")).consume()  # auto-commit: 1 round trip
            return tuple(sorted(session.last_bookmarks().raw_values))
    except (Neo4jError, DriverError, OSError) as exc:
        raise translate(exc, graph.target) from exc


def summary(graph: Graph, day: dt.date) -> Summary:
    """The summary of ``graph`` on ``day`` at its current version (computed if new)."""
    kept = graph.derived.setdefault("summaries", Kept(KEEP))
    version = graph_version(graph)
    return kept.get((day, version), lambda: _compute(graph, day, version))


def _compute(graph: Graph, day: dt.date, version: tuple[str, ...]) -> Summary:
    # no query timeout: a summary is read once per graph version, and a question that
    # timed out here would leave the next one to start it again
    rows = graph.read(cypher(__file__, "summary_inputs"), {"as_of": day}, timeout=0,
                      plain=True)
    names = {r["id"]: r["name"] for r in rows}
    top = {r["id"]: r["top"] for r in rows}
    ids = sorted(names)
    index = {n: k for k, n in enumerate(ids)}
    edges: list[tuple[int, int]] = []
    chips: dict[str, str] = {}
    for r in graph.read(cypher(__file__, "summary_edges"), {"as_of": day}, timeout=0,
                        plain=True):
        for n in (r["a"], r["b"]):
            if n not in index:  # a chip (inputs are all indexed already)
                index[n] = len(ids)
                ids.append(n)
        if r["chip"] is not None:
            chips[r["b"]] = r["chip"]
        edges.append((index[r["a"]], index[r["b"]]))
    g = ig.Graph(n=len(ids), edges=edges, directed=True)
    return Summary(day=day, version=version, ids=ids, index=index, names=names, top=top,
                   projection=g, chips=chips)


def _read_supply(graph: Graph, day: dt.date) -> Supply:
    row = graph.read(cypher(__file__, "summary_supply"), {"as_of": day}, timeout=0,
                     plain=True)[0]
    by_provider: dict[str, list[tuple[str, float | None]]] = defaultdict(list)
    by_input: dict[str, list[tuple[str, float | None, bool]]] = defaultdict(list)
    countries = set(row["countries"])
    for p, i, share in row["supplies"]:
        by_provider[p].append((i, share))
        by_input[i].append((p, share, p in countries))
    hq = {f: c for f, c in row["hq"]}
    firms_in: dict[str, list[str]] = defaultdict(list)
    for f, c in row["located"]:
        firms_in[c].append(f)
    input_ids = sorted(by_input)
    number = {i: k for k, i in enumerate(input_ids)}
    rels_of = {p: (np.fromiter((number[i] for i, _ in v), np.int64, len(v)),
                   np.fromiter((sh or 0.0 for _, sh in v), np.float64, len(v)))
               for p, v in by_provider.items()}
    return Supply(by_input=dict(by_input), hq=hq, firms_in=dict(firms_in),
                  input_ids=input_ids, rels_of=rels_of,
                  n_rels_arr=np.fromiter((len(by_input[i]) for i in input_ids), np.int64,
                                         len(input_ids)),
                  has_country_arr=np.fromiter(
                      (any(c for _, _, c in by_input[i]) for i in input_ids), bool,
                      len(input_ids)))


def reachable(s: Summary, start: Sequence[int]) -> list[int]:
    """Every vertex reachable downstream from ``start`` (included)."""
    seen = set(start)
    frontier = list(start)
    adj = s.out_adjacency()
    while frontier:
        nxt = []
        for u in frontier:
            for v in adj[u]:
                if v not in seen:
                    seen.add(v)
                    nxt.append(v)
        frontier = nxt
    return sorted(seen)
