"""Loader properties on the bundled data (curated YAML + ETO): idempotency, provenance
union, an interrupted load re-run, batches as transactions, dry run."""

from __future__ import annotations

import gc
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from graph.db import Graph
from ingest.bundled import bundled_items
from ingest.curated import read_curated
from ingest.loader import SWITCH_INTERVAL, load_records, load_runtime
from ingest.pipeline import list_source, run_load
from ingest.records import NodeRecord, RelRecord
from tests.ingest.helpers import GOOD, count, load_countries, snapshot, write


def test_second_identical_load_changes_nothing(graph: Graph) -> None:
    items = bundled_items(graph)
    first = run_load(graph, list_source(items), progress=False)
    before = snapshot(graph)
    n_rels = count(graph, "MATCH ()-[r]->() RETURN count(r) AS n")
    second = run_load(graph, list_source(items), progress=False)
    assert snapshot(graph) == before
    assert count(graph, "MATCH ()-[r]->() RETURN count(r) AS n") == n_rels
    t1, t2 = first.totals(), second.totals()
    for kind in ("nodes", "relationships"):
        assert t2[kind]["created"] == 0 and t2[kind]["updated"] == 0, kind
        assert t2[kind]["unchanged"] == t1[kind]["created"] + t1[kind]["unchanged"], kind
        assert t2[kind]["rejected"] == t1[kind]["rejected"], kind
    assert t1["nodes"]["created"] == count(graph, "MATCH (n) RETURN count(n) AS n")
    assert t1["relationships"]["created"] == n_rels


def test_provenance_of_a_fact_in_two_sources_keeps_both(graph: Graph,
                                                        tmp_path: Path) -> None:
    load_countries(graph)
    write(tmp_path / "a.yaml", GOOD)
    run_load(graph, list_source(read_curated([tmp_path])), progress=False)
    write(tmp_path / "b.yaml", """
    sources:
      - {id: src:other, title: Other, publisher: P}
    nodes:
      - {label: Firm, id: firm:alpha, name: Alpha, aliases: [ALPHA Corp],
         sources: [src:other], confidence: high}
    relationships:
      - {type: HEADQUARTERED_IN, from: firm:alpha, to: USA, sources: [src:other],
         confidence: high}
    """)
    (tmp_path / "a.yaml").unlink()
    summary = run_load(graph, list_source(read_curated([tmp_path])), progress=False)
    assert summary.rels["HEADQUARTERED_IN"].updated == 1
    assert summary.nodes["Firm"].updated == 1
    rel = graph.read("MATCH (:Firm {id: 'firm:alpha'})-[r:HEADQUARTERED_IN]->(:Country "
                     "{id: 'USA'}) RETURN r.sources AS s")
    assert rel == [{"s": ["src:test", "src:other"]}]
    node = graph.read("MATCH (f:Firm {id: 'firm:alpha'}) RETURN f.sources AS s, "
                      "f.aliases AS a, f.kind AS k")[0]
    assert node["s"] == ["src:test", "src:other"]
    assert node["a"] == ["Alpha Inc.", "ALPHA Corp"]
    assert node["k"] == ["chip_designer"]  # untouched by the second source


def test_a_changed_value_counts_as_updated(graph: Graph, tmp_path: Path) -> None:
    load_countries(graph)
    f = write(tmp_path / "a.yaml", GOOD)
    run_load(graph, list_source(read_curated([tmp_path])), progress=False)
    f.write_text(f.read_text().replace("share: 0.4", "share: 0.45"))
    summary = run_load(graph, list_source(read_curated([tmp_path])), progress=False)
    assert summary.rels["OWNS"].as_dict() == {"created": 0, "updated": 1, "unchanged": 0,
                                              "rejected": 0}
    assert summary.rels["HEADQUARTERED_IN"].unchanged == 1
    assert graph.read("MATCH ()-[r:OWNS]->() RETURN r.share AS s") == [{"s": 0.45}]


def test_versions_in_time_are_separate_facts(graph: Graph, tmp_path: Path) -> None:
    load_countries(graph)
    write(tmp_path / "a.yaml", GOOD + """
  - {type: OWNS, from: firm:alpha, to: firm:beta, share: 0.6, since: 2024-01-01,
     sources: [src:test], confidence: high}
""")
    summary = run_load(graph, list_source(read_curated([tmp_path])), progress=False)
    assert not summary.errors
    shares = graph.read("MATCH ()-[r:OWNS]->() RETURN r.share AS s ORDER BY s")
    assert shares == [{"s": 0.4}, {"s": 0.6}]


class InterruptedGraph(Graph):
    """The same database; the k-th write transaction fails (a crash midway)."""

    def __init__(self, graph: Graph, fail_at: int) -> None:
        super().__init__(graph.driver, graph.database, graph.timeout, graph.target)
        self.fail_at = fail_at
        self.writes = 0

    def execute_write(self, work: Any) -> Any:
        self.writes += 1
        if self.writes == self.fail_at:
            raise RuntimeError("simulated crash")
        return super().execute_write(work)


class WatchedGraph(InterruptedGraph):
    """The k-th write fails once the next write has started (so that one is in flight
    when the error reaches the writer, whatever the threads' timing); the writes after it
    go on only once it has failed; counts the writes running."""

    def __init__(self, graph: Graph, fail_at: int) -> None:
        super().__init__(graph, fail_at)
        self.failed = threading.Event()
        self.next_started = threading.Event()
        self.running = 0
        self.lock = threading.Lock()

    def execute_write(self, work: Any) -> Any:
        with self.lock:
            self.writes += 1
            n = self.writes
            self.running += 1
        try:
            if n > self.fail_at:
                self.next_started.set()
            if n == self.fail_at:
                # the timeout bounds a hang only (a scheduler that sent nothing beside it)
                assert self.next_started.wait(timeout=60), "no write was sent beside it"
                self.failed.set()
                raise RuntimeError("simulated crash")
            if n > self.fail_at:
                self.failed.wait()
            return Graph.execute_write(self, work)
        finally:
            with self.lock:
                self.running -= 1


def test_a_failed_load_leaves_no_write_running(graph: Graph) -> None:
    """The error of a batch reaches the caller only once the batches sent after it have
    ended: a re-run started at once must not race the failed run's last writes."""
    items = bundled_items(graph)
    watched = WatchedGraph(graph, 3)
    with pytest.raises(RuntimeError):
        run_load(watched, list_source(items), batch_size=200, progress=False)
    assert watched.writes > watched.fail_at  # a batch was in flight beside the failed one
    assert watched.running == 0


@pytest.mark.parametrize("fail_at", [3, 12])
def test_interrupted_load_then_rerun_equals_uninterrupted(graph: Graph,
                                                          fail_at: int) -> None:
    items = bundled_items(graph)
    run_load(graph, list_source(items), batch_size=200, progress=False)
    expected = snapshot(graph)
    graph.write("MATCH (n) DETACH DELETE n")
    broken = InterruptedGraph(graph, fail_at)
    with pytest.raises(RuntimeError):
        run_load(broken, list_source(items), batch_size=200, progress=False)
    partial = snapshot(graph)
    assert 0 < len(partial[0]) < len(expected[0])  # it did stop midway
    run_load(graph, list_source(items), batch_size=200, progress=False)
    assert snapshot(graph) == expected


def test_batch_is_one_transaction(graph: Graph) -> None:
    """A batch that fails inside Neo4j leaves nothing of itself (rolled back whole)."""
    nodes = [NodeRecord("Firm", f"firm:f{i}", {"name": f"F{i}"}) for i in range(10)]
    load_records(graph, nodes, [], batch_size=10)
    graph.write("MATCH (n) DETACH DELETE n")
    # the 2nd batch clashes with the Entity id constraint on its last row
    graph.write("CREATE (:Chip:Entity {id: 'firm:f19', name: 'squatter'})")
    more = [NodeRecord("Firm", f"firm:f{i}", {"name": f"F{i}"}) for i in range(20)]
    with pytest.raises(Exception):  # noqa: B017 - any driver error
        load_records(graph, more, [], batch_size=10)
    assert count(graph, "MATCH (f:Firm) RETURN count(f) AS n") == 10  # batch 1 only


def test_load_records_unpacks_as_before(graph: Graph) -> None:
    nodes = [NodeRecord("Firm", "firm:a", {"name": "A"}), NodeRecord("Firm", "firm:b",
                                                                     {"name": "B"})]
    rels = [RelRecord("OWNS", "firm:a", "firm:b", {"share": 0.5, "sources": ["src:x"],
                                                   "confidence": "low"})]
    n, r = load_records(graph, iter(nodes), iter(rels), batch_size=1)
    assert (n, r) == (2, 1)


def test_dry_run_writes_nothing(graph: Graph, tmp_path: Path) -> None:
    load_countries(graph)
    before = snapshot(graph)
    write(tmp_path / "a.yaml", GOOD)
    summary = run_load(graph, list_source(read_curated([tmp_path])), dry_run=True,
                       progress=False)
    assert snapshot(graph) == before
    assert summary.nodes["Firm"].valid == 2 and summary.rels["OWNS"].valid == 1
    assert summary.totals()["nodes"]["created"] == 0


def test_consistent_repeats_merge_and_conflicting_ones_are_rejected(graph: Graph,
                                                                   tmp_path: Path) -> None:
    load_countries(graph)
    write(tmp_path / "a.yaml", GOOD)
    write(tmp_path / "b.yaml", """
    nodes:
      - {label: Firm, id: firm:alpha, name: Alpha, aliases: [Alpha AG], website: a.example,
         sources: [src:test]}
    relationships:
      - {type: OWNS, from: firm:alpha, to: firm:beta, share: 0.4, since: 2020-03-01,
         kind: equity, sources: [src:test], confidence: medium, note: "same fact"}
      - {type: OWNS, from: firm:alpha, to: firm:beta, share: 0.5, since: 2020-03,
         sources: [src:test], confidence: medium}
    """)
    summary = run_load(graph, list_source(read_curated([tmp_path])), progress=False)
    assert [(e.field, e.origin.line if e.origin else None) for e in summary.errors] == [
        ("share", 7)]
    assert "a.yaml" in summary.errors[0].message  # names where it was first given
    node = graph.read("MATCH (f:Firm {id: 'firm:alpha'}) RETURN f.aliases AS a, "
                      "f.website AS w, f.kind AS k")[0]
    assert node == {"a": ["Alpha Inc.", "Alpha AG"], "w": "a.example", "k": ["chip_designer"]}
    owns = graph.read("MATCH ()-[r:OWNS]->() RETURN r.share AS s, r.note AS n")
    assert owns == [{"s": 0.4, "n": "same fact"}]


def test_a_load_runs_with_its_runtime_settings_and_gives_them_back() -> None:
    gc_before, switch_before = gc.get_threshold(), sys.getswitchinterval()
    with load_runtime():
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
        assert gc.get_threshold()[0] > gc_before[0]
    assert (gc.get_threshold(), sys.getswitchinterval()) == (gc_before, switch_before)
    with pytest.raises(RuntimeError), load_runtime():  # also when the load fails
        raise RuntimeError("boom")
    assert (gc.get_threshold(), sys.getswitchinterval()) == (gc_before, switch_before)


def test_overlapping_runtimes_keep_the_tuning_until_the_last_ends() -> None:
    """Two loads in one CLI process whose runtimes overlap without nesting (A starts, B
    starts, A ends, B ends): the tuning holds while either runs and the settings found
    before A come back after B, not A's tuned ones."""
    before = (gc.get_threshold(), sys.getswitchinterval())
    a, b = load_runtime(), load_runtime()
    a.__enter__()
    b.__enter__()
    a.__exit__(None, None, None)
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
    b.__exit__(None, None, None)
    assert (gc.get_threshold(), sys.getswitchinterval()) == before


def _renamed(records: list[Any], prefix: str) -> list[Any]:
    """The same records with every id prefixed (a second, disjoint graph)."""
    out = []
    for r in records:
        if isinstance(r, NodeRecord):
            out.append(NodeRecord(r.label, prefix + r.id, r.props))
        else:
            out.append(RelRecord(r.type, prefix + r.source, prefix + r.target, r.props))
    return out


def test_two_concurrent_loads_leave_the_interpreter_alone(graph: Graph) -> None:
    """What the API's admin mutation runs (library loads, no ``load_runtime``), twice at
    once in threads of this process: the interpreter-wide settings never change while
    they run, and both graphs land whole."""
    import threading

    from bench.generate import synthetic_graph

    ns, rs = synthetic_graph(500, 3)
    nodes, rels = list(ns), list(rs)
    before = (gc.get_threshold(), sys.getswitchinterval())
    seen: set[tuple[Any, float]] = set()

    class Sample:
        """At every send and wait of either load (``ingest.scheduler.Observer``): the
        interpreter's settings, sampled at points of the loads, not by a clock."""

        def sent(self, key: str, exclusive: bool, uncounted: list[tuple[str, bool]],
                 token: int) -> None:
            self.waiting()

        def waiting(self) -> None:
            seen.add((gc.get_threshold(), sys.getswitchinterval()))

    results: dict[str, Any] = {}

    def load(prefix: str) -> None:
        results[prefix] = load_records(graph, _renamed(nodes, prefix), _renamed(rels, prefix),
                                       observer=Sample())

    loads = [threading.Thread(target=load, args=(p,)) for p in ("a-", "b-")]
    for t in loads:
        t.start()
    for t in loads:
        t.join()
    assert len(seen) == 1, seen  # sampled (at least one step), and never changed
    assert seen == {before}
    assert set(results) == {"a-", "b-"}
    assert count(graph, "MATCH (n) RETURN count(n) AS n") == 2 * len(nodes)
    assert count(graph, "MATCH ()-[r]->() RETURN count(r) AS n") == 2 * len(rels)
    for summary in results.values():
        assert summary.nodes_written == len(nodes) and summary.rels_written == len(rels)
