"""Values that change over time: histories in records become Value nodes, the plain
property is the value of the load's day, and ``as_of`` reads the value of any day — the
Cypher rule (queries/value_as_of.cypher) checked against the Python rule (graph/dated.py)
on generated histories."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.dated import value_as_of
from graph.db import Graph
from graph.errors import BadArgument
from ingest.curated import read_curated
from ingest.dated import expand_node, value_id
from ingest.pipeline import list_source, run_load
from ingest.records import NodeRecord, Origin, Rejection, RelRecord
from queries.common import values_as_of
from tests.ingest.helpers import count, snapshot, write

SRC = {"sources": ["src:t"], "confidence": "high"}


def _dc(status: object) -> NodeRecord:
    return NodeRecord("DataCenter", "dc:x", {"name": "X", "status": status, **SRC},
                      Origin("f.yaml", 3, {"status": 7}))


def test_history_becomes_value_nodes_and_todays_value() -> None:
    history = [{"value": "planned", "since": "2025-01-21", "until": "2026-04-14"},
               {"value": "paused", "since": "2026-04-15", "sources": ["src:u"]}]
    out = list(expand_node(_dc(history), dt.date(2026, 12, 4)))
    node, *rest = out
    assert isinstance(node, NodeRecord) and node.props["status"] == "paused"
    values = [r for r in rest if isinstance(r, NodeRecord)]
    rels = [r for r in rest if isinstance(r, RelRecord)]
    assert [v.id for v in values] == [value_id("dc:x", "status", dt.date(2025, 1, 21)),
                                      value_id("dc:x", "status", dt.date(2026, 4, 15))]
    assert values[0].props["until"] == dt.date(2026, 4, 14)
    assert values[0].props["sources"] == ["src:t"]  # taken from the node
    assert values[1].props["sources"] == ["src:u"]  # its own
    assert [(r.type, r.source, r.target) for r in rels] == [
        ("HAS_VALUE", "dc:x", v.id) for v in values]


def test_a_history_with_nothing_in_force_today_leaves_the_property_out() -> None:
    node = next(iter(expand_node(_dc([{"value": "planned", "until": "2024-12-31"}]),
                                 dt.date(2026, 1, 1))))
    assert isinstance(node, NodeRecord) and "status" not in node.props


def test_a_plain_value_is_left_as_it_is() -> None:
    assert list(expand_node(_dc("operational"), dt.date(2026, 1, 1))) == [_dc("operational")]


@pytest.mark.parametrize(("entry", "says"), [
    ({"since": "2025-01-01"}, "missing value"),
    ({"value": "built"}, "expected one of"),
    ({"value": "planned", "since": "2025-13-01"}, "expected a date"),
    ({"value": "planned", "since": "2025-02-01", "until": "2025-01-01"}, "before since"),
    ({"value": "planned", "when": "2025"}, "unknown key 'when'"),
])
def test_a_bad_entry_rejects_the_node_at_the_property_line(entry: dict, says: str) -> None:
    out = list(expand_node(_dc([entry]), dt.date(2026, 1, 1)))
    assert len(out) == 1 and isinstance(out[0], Rejection)
    assert out[0].field == "status" and out[0].origin == Origin("f.yaml", 7)
    assert says in out[0].message


def test_not_a_dated_property_is_a_bad_argument(graph: Graph) -> None:
    with pytest.raises(BadArgument, match="not a dated property"):
        values_as_of(graph, ["dc:x"], "city", dt.date(2026, 1, 1))


@pytest.mark.neo4j
def test_curated_history_loads_and_answers_as_of(graph: Graph, tmp_path: Path) -> None:
    f = write(tmp_path / "dc.yaml", """
        sources:
          - {id: src:t, title: T, publisher: P}
        nodes:
          - label: DataCenter
            id: dc:site
            name: Site
            sources: [src:t]
            confidence: high
            status:
              - {value: planned, since: 2025-01-21, until: 2026-04-14}
              - {value: paused, since: 2026-04-15}
            power_mw: 100
          - label: DataCenter
            id: dc:plain
            name: Plain
            status: operational
            sources: [src:t]
            confidence: high
        """)
    summary = run_load(graph, list_source(read_curated([f])), progress=False)
    assert not summary.errors, summary.errors
    assert count(graph, "MATCH (:DataCenter {id: 'dc:site'})-[:HAS_VALUE]->(v:Value) "
                        "RETURN count(v) AS n") == 2
    ids = ["dc:site", "dc:plain"]
    assert values_as_of(graph, ids, "status", dt.date(2024, 1, 1)) == {
        "dc:site": None, "dc:plain": "operational"}
    assert values_as_of(graph, ids, "status", dt.date(2025, 6, 1))["dc:site"] == "planned"
    assert values_as_of(graph, ids, "status", dt.date(2026, 4, 15))["dc:site"] == "paused"
    # an undated property of the same node is unchanged
    assert values_as_of(graph, ["dc:site"], "power_mw", dt.date(2025, 6, 1)) == {
        "dc:site": 100.0}
    # a re-load changes nothing
    before = snapshot(graph)
    run_load(graph, list_source(read_curated([f])), progress=False)
    assert snapshot(graph) == before


_DAYS = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2027, 12, 31))


@st.composite
def _history(draw: st.DrawFn) -> list[dict]:
    out, used = [], set()
    for _ in range(draw(st.integers(1, 4))):
        since = draw(st.none() | _DAYS)
        if since in used:
            continue
        used.add(since)
        until = draw(st.none() | _DAYS.filter(lambda d, s=since: s is None or d >= s))
        out.append({"value": draw(st.floats(0, 5000, allow_nan=False)), "since": since,
                    "until": until})
    return out


@pytest.mark.neo4j
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=st.lists(_history(), min_size=1, max_size=6),
       days=st.lists(_DAYS, min_size=1, max_size=6))
def test_cypher_as_of_agrees_with_python(graph: Graph, histories: list[list[dict]],
                                         days: list[dt.date]) -> None:
    graph.write("MATCH (n) DETACH DELETE n")
    items: list[NodeRecord | RelRecord | Rejection] = [
        NodeRecord("Source", "src:t", {"title": "T", "publisher": "P"})]
    for i, h in enumerate(histories):
        entries = [{k: v for k, v in e.items() if v is not None} for e in h]
        items.append(NodeRecord("DataCenter", f"dc:n{i}",
                                {"name": f"N{i}", "power_mw": entries, **SRC}))
    summary = run_load(graph, list_source(items), progress=False)
    assert not summary.errors, summary.errors
    ids = [f"dc:n{i}" for i in range(len(histories))]
    for day in days:
        got = values_as_of(graph, ids, "power_mw", day)
        want = {f"dc:n{i}": value_as_of(h, day) for i, h in enumerate(histories)}
        assert got == want, day
