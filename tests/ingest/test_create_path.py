"""The loader's create path (plain CREATE for rows known new) gives exactly the graph and
the counts of the merge path, takes over only when it is safe, and steps aside when
another writer has touched the label or type."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import synthetic_graph
from graph.db import Graph
from ingest.loader import (
    LoadSummary,
    Writer,
    create_node_query,
    create_rel_query,
    load_records,
)
from ingest.records import NodeRecord, RelRecord
from ingest.seen import SeenFilter
from tests.ingest.helpers import count, snapshot


class SpyGraph(Graph):
    """The same database; records the text of every query the loader's transactions run,
    and can run something in another transaction before the k-th write transaction."""

    def __init__(self, graph: Graph, before: dict[int, Callable[[], Any]] | None = None
                 ) -> None:
        super().__init__(graph.driver, graph.database, graph.timeout, graph.target)
        self.queries: list[str] = []
        self.transactions = 0
        self.before = before or {}

    def execute_write(self, work: Any) -> Any:
        self.transactions += 1
        if self.transactions in self.before:
            self.before[self.transactions]()
        spy = self

        class Tx:
            def __init__(self, tx: Any) -> None:
                self.tx = tx

            def run(self, query: str, params: Any = None, **kw: Any) -> Any:
                spy.queries.append(query)
                return self.tx.run(query, params, **kw)

        return super().execute_write(lambda tx: work(Tx(tx)))


def creates(queries: list[str], rel_type: str, by_node: bool | None = None) -> int:
    """How many of ``queries`` are create queries of ``rel_type`` (with ``by_node`` True /
    False: only those finding endpoints by internal id / by index)."""
    wanted = {create_rel_query(rel_type, b)
              for b in ((True, False) if by_node is None else (by_node,))}
    return sum(q in wanted for q in queries)


def wipe(graph: Graph) -> None:
    graph.write("MATCH (n) DETACH DELETE n")


def small_graph(nodes: int, seed: int) -> tuple[list[NodeRecord], list[RelRecord]]:
    node_iter, rel_iter = synthetic_graph(nodes, seed)
    return list(node_iter), list(rel_iter)


def with_repeats(nodes: list[NodeRecord], rels: list[RelRecord], seed: int
                 ) -> tuple[list[NodeRecord], list[RelRecord]]:
    """The same facts sent again later in the stream, some with another source, so the
    same id / identity arrives in different batches."""
    rng = random.Random(seed)
    more_nodes = [NodeRecord(n.label, n.id, {**n.props, "sources": ["src:again"]})
                  for n in rng.sample(nodes, len(nodes) // 10)]
    more_rels = [RelRecord(r.type, r.source, r.target,
                           {**r.props, "sources": [*r.props.get("sources", []), "src:again"]})
                 for r in rng.sample(rels, len(rels) // 10)]
    return nodes + more_nodes, rels + more_rels


def test_first_load_creates_and_equals_the_merge_path(graph: Graph) -> None:
    nodes, rels = with_repeats(*small_graph(800, seed=3), seed=3)
    wipe(graph)
    spy = SpyGraph(graph)
    created = load_records(spy, nodes, rels, batch_size=150)
    by_create = snapshot(graph)
    # the relationships of the nodes this load created find them by internal id
    assert creates(spy.queries, "OWNS", by_node=True) >= 1
    assert create_node_query("Firm") in spy.queries

    wipe(graph)
    merged = load_records(graph, nodes, rels, batch_size=150, create_path=False)
    assert snapshot(graph) == by_create
    assert created.as_dict() == merged.as_dict()
    # the repeats folded into the first facts: as many relationships as without them
    with_them = count(graph, "MATCH ()-[r]->() RETURN count(r) AS n")
    wipe(graph)
    load_records(graph, *small_graph(800, seed=3), batch_size=150)
    assert count(graph, "MATCH ()-[r]->() RETURN count(r) AS n") == with_them
    assert merged.rels_written == created.rels_written


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # wiped per example
@given(nodes=st.integers(500, 900), seed=st.integers(0, 10_000),
       batch=st.integers(20, 400))
def test_generated_graphs_same_as_merge_path(graph: Graph, nodes: int, seed: int,
                                             batch: int) -> None:
    ns, rs = with_repeats(*small_graph(nodes, seed), seed=seed)
    wipe(graph)
    a = load_records(graph, ns, rs, batch_size=batch)
    first = snapshot(graph)
    wipe(graph)
    b = load_records(graph, ns, rs, batch_size=batch, create_path=False)
    assert snapshot(graph) == first
    assert a.as_dict() == b.as_dict()


def test_second_load_merges_and_changes_nothing(graph: Graph) -> None:
    nodes, rels = small_graph(500, seed=5)
    wipe(graph)
    load_records(graph, nodes, rels, batch_size=100)
    before = snapshot(graph)
    spy = SpyGraph(graph)
    again = load_records(spy, nodes, rels, batch_size=100)
    assert snapshot(graph) == before
    assert again.totals()["relationships"]["created"] == 0
    assert again.totals()["nodes"]["created"] == 0
    # each type tried the create path with its first batch (and, at most, the batch in
    # flight with it), found it not fresh, and merged from then on
    for t in {r.type for r in rels}:
        assert 1 <= creates(spy.queries, t) <= 2, t


def test_another_writer_makes_the_type_fall_back_to_merge(graph: Graph) -> None:
    """Between two batches another transaction writes an OWNS that the next batch also
    holds: the batch finds the type's count not as expected and merges (no duplicate)."""
    nodes = [NodeRecord("Firm", f"firm:f{i}", {"name": f"F{i}"}) for i in range(30)]
    rels = [RelRecord("OWNS", f"firm:f{i}", f"firm:f{i + 1}",
                      {"share": 0.1, "sources": ["src:a"], "confidence": "low"})
            for i in range(29)]
    wipe(graph)
    load_records(graph, nodes, [], batch_size=100)

    def intruder() -> None:
        graph.write("MATCH (a:Firm {id: 'firm:f15'}), (b:Firm {id: 'firm:f16'}) "
                    "CREATE (a)-[:OWNS {share: 0.1, sources: ['src:b'], confidence: 'low'}]->(b)")

    spy = SpyGraph(graph, before={2: intruder})
    summary = load_records(spy, [], rels, batch_size=10)
    assert count(graph, "MATCH ()-[r:OWNS]->() RETURN count(r) AS n") == 29
    sources = graph.read("MATCH (:Firm {id: 'firm:f15'})-[r:OWNS]->() RETURN r.sources AS s")
    assert sorted(sources[0]["s"]) == ["src:a", "src:b"]
    assert summary.rels["OWNS"].created == 28 and summary.rels["OWNS"].updated == 1
    # batch 2 ran the create query (which declined) and then merged; batch 3 too when it
    # was sent while batch 2 was in flight (two batches in flight), else it merged only
    assert 2 <= creates(spy.queries, "OWNS", by_node=False) <= 3


def _chain(n: int) -> tuple[list[NodeRecord], list[RelRecord]]:
    nodes = [NodeRecord("Firm", f"firm:f{i}", {"name": f"F{i}"}) for i in range(n)]
    rels = [RelRecord("OWNS", f"firm:f{i}", f"firm:f{i + 1}",
                      {"share": 0.1, "sources": ["src:a"], "confidence": "low"})
            for i in range(n - 1)]
    return nodes, rels


def test_a_wrong_internal_id_never_attaches_a_relationship_elsewhere(graph: Graph) -> None:
    """The by-node path checks each endpoint's id: a stale internal id (as after another
    writer deleted a node and Neo4j reused its id) makes the batch roll back and go by
    index, giving exactly the graph and counts of the merge path."""
    nodes, rels = _chain(30)
    wipe(graph)
    summary = LoadSummary()
    spy = SpyGraph(graph)
    w = Writer(spy, summary, batch_size=10)
    for n in nodes:
        w.add_node(n)
    w.flush()
    ids = w._node_ids
    assert ids is not None and len(ids) == 30  # every created node's internal id
    ids["firm:f3"] = ids["firm:f7"]  # stale: points at another node
    for r in rels:
        w.add_rel(r)
    w.flush()
    got = snapshot(graph)
    assert w._node_ids is None  # the by-node path is off for the rest of the load
    assert creates(spy.queries, "OWNS", by_node=True) >= 1
    assert creates(spy.queries, "OWNS", by_node=False) >= 1
    wipe(graph)
    merged = load_records(graph, nodes, rels, batch_size=10, create_path=False)
    assert snapshot(graph) == got
    assert summary.as_dict() == merged.as_dict()


def test_a_node_deleted_mid_load_drops_only_its_relationships(graph: Graph) -> None:
    """Another writer deletes a node this load created (and creates another) before the
    relationships are sent: the two relationships of the deleted node are reported, not
    written, and every other one is written once, to the right nodes."""
    nodes, rels = _chain(30)
    wipe(graph)

    def intruder() -> None:
        graph.write("MATCH (f:Firm {id: 'firm:f15'}) DETACH DELETE f")
        graph.write("CREATE (:Firm:Entity {id: 'firm:intruder', name: 'X'})")

    spy = SpyGraph(graph, before={2: intruder})  # 1: the nodes, 2: the first OWNS batch
    summary = load_records(spy, nodes, rels, batch_size=100)
    assert summary.rels["OWNS"].created == 27 and summary.rels["OWNS"].rejected == 2
    assert any("disappeared" in r.message for r in summary.rejections)
    pairs = graph.read("MATCH (a)-[:OWNS]->(b) RETURN a.id AS a, b.id AS b")
    expected = {(r.source, r.target) for r in rels} - {("firm:f14", "firm:f15"),
                                                        ("firm:f15", "firm:f16")}
    assert {(p["a"], p["b"]) for p in pairs} == expected and len(pairs) == 27


def test_another_writer_between_two_parts_restarts_the_batch_as_a_merge(graph: Graph
                                                                        ) -> None:
    """A batch's create rows go out in two parts (endpoints by internal id, endpoints by
    index); when another transaction commits an OWNS between the two, the second part
    finds the count moved: the batch is rolled back and redone as one merge — no
    duplicate, exact counts."""
    firms = [NodeRecord("Firm", f"firm:f{i}", {"name": f"F{i}"}) for i in range(30)]
    states = [NodeRecord("Country", f"C{i:02d}", {"name": f"C{i}"}) for i in range(15)]
    prov = {"share": 0.1, "sources": ["src:a"], "confidence": "low"}
    rels = [RelRecord("OWNS", f"firm:f{i}", f"firm:f{i + 1}", prov) for i in range(15, 29)]
    rels += [RelRecord("OWNS", f"C{i:02d}", f"firm:f{i}", prov) for i in range(15)]
    wipe(graph)
    load_records(graph, states, [], batch_size=100)  # not this load's: by index
    spy = SpyGraph(graph)
    runs: list[str] = []
    base_run = SpyGraph.execute_write

    def intrude_before_second_part(self: SpyGraph, work: Any) -> Any:
        def wrapped(tx: Any) -> Any:
            class Tx:
                def run(self, query: str, params: Any = None, **kw: Any) -> Any:
                    runs.append(query)
                    if creates([query], "OWNS") and len(runs) == 3:  # 1: the nodes
                        graph.write("MATCH (a:Country {id: 'C03'}), (b:Firm {id: 'firm:f3'}) "
                                    "CREATE (a)-[:OWNS {share: 0.1, sources: ['src:b'], "
                                    "confidence: 'low'}]->(b)")
                    return tx.run(query, params, **kw)
            return work(Tx())
        return base_run(self, wrapped)

    spy.execute_write = intrude_before_second_part.__get__(spy)  # type: ignore[method-assign]
    summary = load_records(spy, firms, rels, batch_size=100)
    # the two parts were sent in one transaction
    assert creates(runs[1:3], "OWNS", by_node=True) == 1
    assert creates(runs[1:3], "OWNS", by_node=False) == 1
    assert count(graph, "MATCH ()-[r:OWNS]->() RETURN count(r) AS n") == 29
    sources = graph.read("MATCH (:Country {id: 'C03'})-[r:OWNS]->() RETURN r.sources AS s")
    assert sorted(sources[0]["s"]) == ["src:a", "src:b"]
    owns = summary.rels["OWNS"]
    assert (owns.created, owns.updated, owns.unchanged) == (28, 1, 0)
    assert not creates(runs[3:], "OWNS")  # then merged


def test_seen_filter_never_forgets_and_rarely_lies() -> None:
    seen = SeenFilter(first_capacity=1000)
    keys = [("OWNS", f"firm:{i}", f"firm:{i + 1}", None) for i in range(20_000)]
    false_maybe = sum(seen.check_and_add(k) for k in keys)
    assert all(seen.check_and_add(k) for k in keys)  # no false "never seen"
    assert false_maybe < 0.03 * len(keys)
    assert seen.nbytes < 200_000  # grew from 1,000 to 20,000 keys in a few KiB
