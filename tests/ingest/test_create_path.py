"""The loader's create path (plain CREATE for rows known new) gives exactly the graph and
the counts of the merge path, takes over only when it is safe, and steps aside when
another writer has touched the label or type."""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import synthetic_graph
from graph.db import Graph
from ingest import loader
from ingest.loader import (
    LoadSummary,
    Writer,
    count_query,
    create_node_query,
    create_rel_query,
    load_records,
    rel_identity,
    rel_query,
    rel_row,
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
    # each type read its count with its first batch (and, at most, the batch in flight
    # with it), found it not as this load left it, and merged from then on
    for t in {r.type for r in rels}:
        assert 1 <= spy.queries.count(count_query("rel", t)) <= 2, t
        assert creates(spy.queries, t) == 0, t


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
    summary = LoadSummary()
    # one batch in flight, so the intruder comes after batch 1 has committed (with two,
    # batch 1 may read the count after it, and merge too)
    w = Writer(spy, summary, batch_size=10, in_flight=1)
    w.load([], rels)
    assert count(graph, "MATCH ()-[r:OWNS]->() RETURN count(r) AS n") == 29
    sources = graph.read("MATCH (:Firm {id: 'firm:f15'})-[r:OWNS]->() RETURN r.sources AS s")
    assert sorted(sources[0]["s"]) == ["src:a", "src:b"]
    assert summary.rels["OWNS"].created == 28 and summary.rels["OWNS"].updated == 1
    # batch 1 created; batch 2 read the count, found it moved and merged; batch 3 merged
    # without reading it
    assert creates(spy.queries, "OWNS") == 1
    assert spy.queries.count(count_query("rel", "OWNS")) == 2


def _chain(n: int) -> tuple[list[NodeRecord], list[RelRecord]]:
    nodes = [NodeRecord("Firm", f"firm:f{i}", {"name": f"F{i}"}) for i in range(n)]
    rels = [RelRecord("OWNS", f"firm:f{i}", f"firm:f{i + 1}",
                      {"share": 0.1, "sources": ["src:a"], "confidence": "low"})
            for i in range(n - 1)]
    return nodes, rels


def test_a_wrong_element_id_never_attaches_a_relationship_elsewhere(graph: Graph) -> None:
    """The by-node path checks each endpoint's id: a stale element id (as after another
    writer deleted a node and Neo4j reused its id) makes the batch roll back and go by
    index, giving exactly the graph and counts of the merge path."""
    nodes, rels = _chain(30)
    wipe(graph)
    summary = LoadSummary()
    spy = SpyGraph(graph)
    w = Writer(spy, summary, batch_size=10)
    w.load(nodes, [])
    ids = w.remembered_ids
    assert ids is not None and len(ids) == 30  # every created node's element id
    ids["firm:f3"] = ids["firm:f7"]  # stale: points at another node
    w.load([], rels)
    got = snapshot(graph)
    assert w.remembered_ids is None  # the by-node path is off for the rest of the load
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
                    # before the count query of the second part (the first part created)
                    if query == count_query("rel", "OWNS") and creates(runs, "OWNS") == 1:
                        graph.write("MATCH (a:Country {id: 'C03'}), (b:Firm {id: 'firm:f3'}) "
                                    "CREATE (a)-[:OWNS {share: 0.1, sources: ['src:b'], "
                                    "confidence: 'low'}]->(b)")
                    runs.append(query)
                    return tx.run(query, params, **kw)
            return work(Tx())
        return base_run(self, wrapped)

    spy.execute_write = intrude_before_second_part.__get__(spy)  # type: ignore[method-assign]
    summary = load_records(spy, firms, rels, batch_size=100)
    # the first part created in the transaction, the second part's count found the
    # intruder: no create query for it, the transaction rolled back
    first = runs.index(create_rel_query("OWNS", True))
    assert runs[first + 1] == count_query("rel", "OWNS")
    assert creates(runs, "OWNS", by_node=False) == 0
    assert count(graph, "MATCH ()-[r:OWNS]->() RETURN count(r) AS n") == 29
    sources = graph.read("MATCH (:Country {id: 'C03'})-[r:OWNS]->() RETURN r.sources AS s")
    assert sorted(sources[0]["s"]) == ["src:a", "src:b"]
    owns = summary.rels["OWNS"]
    assert (owns.created, owns.updated, owns.unchanged) == (28, 1, 0)
    assert creates(runs, "OWNS") == 1  # then merged
    assert runs[-1] == rel_query("OWNS")


def _load_with(graph: Graph, nodes: list[NodeRecord], rels: list[RelRecord],
               batch_size: int) -> tuple[Writer, LoadSummary]:
    """``load_records``, keeping the writer to look at its state afterwards."""
    summary = LoadSummary()
    w = Writer(graph, summary, batch_size=batch_size)
    w.load(nodes, rels)
    return w, summary


def test_false_maybes_of_the_seen_filter_keep_the_create_path(graph: Graph,
                                                              monkeypatch: Any) -> None:
    """A full seen filter says "maybe" to ~0.5 % of new keys (every 7th here). Those rows
    are merged later in batches of their own, never in flight with a create batch of
    their label or type, so the create batches' count checks stay exact: no label or type
    falls back to merging, and the graph and counts are the merge path's. (Merged inside
    the create batches, the rows they created made the batch in flight with them find
    the count moved: at 10^6 nodes most of the load fell back to MERGE.)"""
    real = SeenFilter.check_and_add
    calls = itertools.count()

    def lying(self: SeenFilter, key: Any) -> bool:
        return real(self, key) or next(calls) % 7 == 0

    monkeypatch.setattr(SeenFilter, "check_and_add", lying)
    nodes, rels = with_repeats(*small_graph(900, seed=11), seed=11)
    wipe(graph)
    spy = SpyGraph(graph)
    w, summary = _load_with(spy, nodes, rels, batch_size=60)
    got = snapshot(graph)
    assert w.create_path_keys() and not w.broken()
    assert w.remembered_ids is not None and len(w.remembered_ids) > 700  # ~6/7 of nodes
    assert creates(spy.queries, "OWNS", by_node=True) >= 2
    wipe(graph)
    merged = load_records(graph, nodes, rels, batch_size=60, create_path=False)
    assert snapshot(graph) == got
    # the same created and rejected per label and type, and the same rows written; a
    # repeat folded into its first row counts unchanged, merged later it may count
    # updated (``_dedupe``), and the deferred rows are batched differently
    for kind in ("nodes", "relationships"):
        for name, c in summary.as_dict()[kind].items():
            m = merged.as_dict()[kind][name]
            assert (c["created"], c["rejected"]) == (m["created"], m["rejected"]), name
            assert sum(c.values()) == sum(m.values()), name


class Overlaps:
    """A scheduler observer (``ingest.scheduler.Observer``) and a gate: records which
    batches (label or type key, merges?) were sent while others were still uncounted, and
    holds each transaction until the writer's next scheduling step (a send or a wait), so
    a batch sent beside another is truly in flight with it — by events, not by time."""

    def __init__(self) -> None:
        self.together: list[tuple[tuple[str, bool], tuple[str, bool]]] = []
        self.steps = 0
        self.sent_at: dict[int, int] = {}  # batch token -> the step that sent it
        self.cond = threading.Condition()

    def sent(self, key: str, exclusive: bool, uncounted: list[tuple[str, bool]],
             token: int) -> None:
        self.together += [(other, (key, exclusive)) for other in uncounted]
        self.step()
        self.sent_at[token] = self.steps

    def waiting(self) -> None:
        self.step()

    def step(self) -> None:
        with self.cond:
            self.steps += 1
            self.cond.notify_all()

    def hold(self, token: int) -> None:
        """In a writer thread: wait for the step after the one that sent this batch (the
        writer joins a batch only after a step: no deadlock)."""
        with self.cond:
            self.cond.wait_for(lambda: self.steps > self.sent_at[token])


class GateGraph(Graph):
    """The same database; each write transaction waits for ``Overlaps.hold`` first."""

    def __init__(self, graph: Graph, gate: Overlaps) -> None:
        super().__init__(graph.driver, graph.database, graph.timeout, graph.target)
        self.gate = gate

    def execute_write(self, work: Any) -> Any:
        self.gate.hold(work.__self__.token)  # work is Batch.run; its token names it
        return super().execute_write(work)


def test_a_batch_that_merges_is_never_in_flight_with_another_of_its_type(graph: Graph
                                                                          ) -> None:
    """The merge query reads, then creates what it did not find: two merges of one new
    identity at once would both create it. So a batch that merges waits until no batch
    of its label or type is in flight; batches of other types (and create batches of the
    same type) still go two at a time."""
    nodes, rels = with_repeats(*small_graph(600, seed=4), seed=4)
    for create_path in (False, True):
        wipe(graph)
        spy = Overlaps()
        load_records(GateGraph(graph, spy), nodes, rels, batch_size=40,
                     create_path=create_path, observer=spy)
        assert spy.together, "no two batches were ever in flight together"
        same = [(a, b) for a, b in spy.together if a[0] == b[0]]
        assert not [(a, b) for a, b in same if a[1] or b[1]], create_path
        if create_path:  # create batches of one type do overlap
            assert same
        # and no relationship was created twice: one per identity of the input
        identities = {(r.type, *rel_identity(r.type, rel_row(r))) for r in rels}
        assert count(graph, "MATCH ()-[r]->() RETURN count(r) AS n") == len(identities)


def test_seen_filter_never_forgets_and_rarely_lies() -> None:
    seen = SeenFilter(first_capacity=1000)
    keys = [("OWNS", f"firm:{i}", f"firm:{i + 1}", None) for i in range(20_000)]
    false_maybe = sum(seen.check_and_add(k) for k in keys)
    assert all(seen.check_and_add(k) for k in keys)  # no false "never seen"
    assert false_maybe < 0.03 * len(keys)
    assert seen.nbytes < 200_000  # grew from 1,000 to 20,000 keys in a few KiB


def test_an_idle_server_gets_the_fullest_buffer_before_any_batch_is_full(graph: Graph
                                                                         ) -> None:
    """With many types, a small load fills no batch until its end; when nothing is in
    flight the writer sends the fullest buffer once it holds EAGER_MIN rows, so the server
    writes while the input is still being read. The graph is the same as sent whole."""
    nodes, rels = small_graph(1500, seed=8)
    wipe(graph)
    load_records(graph, nodes, [], batch_size=100_000)
    spy = SpyGraph(graph)
    summary = LoadSummary()
    w = Writer(spy, summary, batch_size=100_000)  # no type reaches a full batch
    for r in rels:
        w.add_rel(r)
    sent_before_flush = spy.transactions
    w.flush()
    got = snapshot(graph)
    assert len(rels) < 100_000 and sent_before_flush >= 1
    assert summary.rels_written == len(rels)
    wipe(graph)
    load_records(graph, nodes, rels, batch_size=100_000, create_path=False)
    assert snapshot(graph) == got


def test_a_batch_that_has_committed_frees_its_place_for_an_eager_send(
        graph: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    """A committed batch stays in the writer's queue until the caller counts it; the
    eager send must not take it for one still in flight. Here the input comes slower than
    the server writes (the test waits for every batch to finish before going on): each
    check finds the server idle and sends the fullest buffer, so several batches go out
    before the flush, not only the first one (the bug this guards against), and most rows
    are written while the input is still being read."""
    monkeypatch.setattr(loader, "EAGER_MIN", 200)  # a small graph: several types reach it
    nodes, rels = small_graph(1500, seed=8)
    wipe(graph)
    load_records(graph, nodes, [], batch_size=100_000)
    spy = SpyGraph(graph)
    w = Writer(spy, LoadSummary(), batch_size=100_000)
    for i, r in enumerate(rels, 1):
        w.add_rel(r)
        if i % 256 == 0:  # a slow reader: the batch in flight has finished meanwhile
            w.wait_for_server()
    sent_before_flush = spy.transactions
    buffered = w.buffered()
    w.flush()
    assert sent_before_flush >= 3, sent_before_flush
    assert buffered < len(rels) / 2, (buffered, len(rels))
    assert w.summary.rels_written == len(rels)
    got = snapshot(graph)
    wipe(graph)
    load_records(graph, nodes, rels, batch_size=100_000, create_path=False)
    assert snapshot(graph) == got


def test_rows_deferred_before_a_type_breaks_are_merged_before_later_repeats(graph: Graph
                                                                            ) -> None:
    """A repeat of a fact waits (the seen filter knows it); then another writer makes the
    type merge from then on, and a later batch repeats the fact again: the waiting repeat
    is merged with that batch, before its rows, so the last value sent wins and the fact
    keeps every source — as a load that merged everything in order gives."""
    firms = [NodeRecord("Firm", f"firm:f{i}", {"name": f"F{i}"}) for i in range(40)]
    firms += [NodeRecord("Country", f"C{i:02d}", {"name": f"C{i}"}) for i in range(10)]

    def owns(i: int, share: float, source: str) -> RelRecord:
        return RelRecord("OWNS", f"firm:f{i}", f"firm:f{i + 1}",
                         {"share": share, "sources": [source], "confidence": "low"})

    rels = [owns(i, 0.1, "src:a") for i in range(10)]  # batch 1: created
    rels += [owns(0, 0.2, "src:b")] + [owns(i, 0.1, "src:a") for i in range(10, 19)]
    rels += [owns(i, 0.1, "src:a") for i in range(19, 29)]  # batch 3: finds the intruder
    # another type's batch: sent once batch 3 is done and counted
    rels += [RelRecord("HEADQUARTERED_IN", f"firm:f{i}", f"C{i:02d}", {"sources": ["src:a"]})
             for i in range(10)]
    rels += [owns(0, 0.3, "src:c"), owns(29, 0.1, "src:a")]  # batch 4: merged

    def intruder() -> None:
        graph.write("MATCH (a:Firm {id: 'firm:f39'}), (b:Firm {id: 'firm:f0'}) "
                    "CREATE (a)-[:OWNS {share: 0.5, sources: ['src:x'], confidence: 'low'}]->(b)")

    def f0_f1() -> list[dict[str, Any]]:
        return graph.read("MATCH (:Firm {id: 'firm:f0'})-[r:OWNS]->(:Firm {id: 'firm:f1'}) "
                          "RETURN r.share AS share, r.sources AS sources")

    wipe(graph)
    load_records(graph, firms, [], batch_size=100)
    spy = SpyGraph(graph, before={3: intruder})
    w = Writer(spy, LoadSummary(), batch_size=10, in_flight=1)
    w.load([], rels)
    assert "rel:OWNS" in w.broken()  # batch 3 found the intruder
    got = f0_f1()
    assert len(got) == 1 and got[0]["share"] == 0.3
    assert sorted(got[0]["sources"]) == ["src:a", "src:b", "src:c"]
    by_create = snapshot(graph)
    wipe(graph)
    load_records(graph, firms, [], batch_size=100)
    intruder()
    load_records(graph, [], rels, batch_size=10, create_path=False)
    assert snapshot(graph) == by_create


def test_a_label_holding_one_batch_already_is_not_taken_for_this_loads_batch(
        graph: Graph) -> None:
    """A re-run after an interrupted load finds a label holding exactly what one batch
    wrote; its first batch, in flight beside the second, must not take that count for the
    second's commit (create its rows again: the id constraint fails the load, and a
    relationship type would hold duplicates). A label's first batch is alone in flight
    until it is counted, so its count check knows what this load made: nothing."""
    firms = [NodeRecord("Firm", f"firm:f{i:03d}", {"name": f"F{i}"}) for i in range(120)]
    usa = NodeRecord("Country", "USA", {"name": "United States"})
    hq = [RelRecord("HEADQUARTERED_IN", f.id, "USA", {}) for f in firms]
    wipe(graph)
    load_records(graph, [usa, *firms[:40]], hq[:40], batch_size=40)  # an interrupted run
    spy = Overlaps()
    summary = load_records(GateGraph(graph, spy), [usa, *firms], hq, batch_size=40,
                           observer=spy)
    assert count(graph, "MATCH (n:Firm) RETURN count(n) AS n") == 120
    assert count(graph, "MATCH ()-[r:HEADQUARTERED_IN]->() RETURN count(r) AS n") == 120
    totals = summary.as_dict()
    assert totals["nodes"]["Firm"]["created"] == 80
    assert totals["relationships"]["HEADQUARTERED_IN"]["created"] == 80
