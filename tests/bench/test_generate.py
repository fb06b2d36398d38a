"""The synthetic graph generator: deterministic, the requested size and shape, only what
the schema allows, consistent shares, and streamed (never the whole graph in memory).

Every property is recomputed here from the records themselves (Counter / networkx), not
from the generator's own bookkeeping.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import tracemalloc
from collections import Counter, defaultdict
from functools import cache
from itertools import islice
from pathlib import Path

import networkx as nx
import pytest

from bench.generate import MIN_NODES, Plan, generate, iter_nodes, iter_rels, synthetic_graph
from bench.jsonl import write_file
from graph.errors import BadArgument
from graph.schema import SCHEMA
from ingest.apoc import ApocReader
from ingest.pipeline import run_load
from ingest.records import NodeRecord, Rejection, RelRecord


@cache
def graph_of(nodes: int, seed: int) -> tuple[tuple[NodeRecord, ...], tuple[RelRecord, ...]]:
    ns, rs = synthetic_graph(nodes, seed)
    return tuple(ns), tuple(rs)


def _flat(nodes: int, seed: int) -> list[tuple[object, ...]]:
    ns, rs = graph_of(nodes, seed)
    return ([(n.label, n.id, sorted(n.props.items())) for n in ns]
            + [(r.type, r.source, r.target, sorted(r.props.items())) for r in rs])


def test_same_seed_same_graph_other_seed_other_graph() -> None:
    ns, rs = synthetic_graph(1500, 7)
    again = [(n.label, n.id, sorted(n.props.items())) for n in ns] + [
        (r.type, r.source, r.target, sorted(r.props.items())) for r in rs]
    assert again == _flat(1500, 7)
    assert _flat(1500, 8) != _flat(1500, 7)


@pytest.mark.parametrize("n", [MIN_NODES, 1000, 3333, 10_000])
def test_node_count_and_about_five_relationships_per_node(n: int) -> None:
    ns, rs = graph_of(n, 2 if n == 10_000 else 1)
    assert abs(len(ns) - n) <= n * 0.01
    assert 4.5 <= len(rs) / len(ns) <= 5.5, len(rs) / len(ns)


def test_too_small_is_a_clear_error() -> None:
    with pytest.raises(BadArgument, match="at least"):
        synthetic_graph(MIN_NODES - 1, 0)


@pytest.mark.parametrize("n,seed", [(1000, 0), (5000, 3)])
def test_only_schema_labels_types_and_properties(n: int, seed: int) -> None:
    ns, rs = graph_of(n, seed)
    label_of: dict[str, str] = {}
    for node in ns:
        assert node.label in SCHEMA.labels
        assert node.id not in label_of, f"duplicate id {node.id}"
        label_of[node.id] = node.label
        assert SCHEMA.label_for_id(node.id) == node.label
        allowed = SCHEMA.node_properties[node.label]
        for key, value in node.props.items():
            assert key in allowed, (node.label, key)
            assert allowed[key].coerce(value) == value, (node.label, key, value)
        for key, prop in allowed.items():
            if prop.required and key != "id":
                assert key in node.props, (node.label, key)
    assert set(label_of.values()) == set(SCHEMA.labels)

    seen_keys: set[tuple[object, ...]] = set()
    for rel in rs:
        spec = SCHEMA.rel_types[rel.type]
        assert label_of[rel.source] in spec.sources, (rel.type, rel.source)
        assert label_of[rel.target] in spec.targets, (rel.type, rel.target)
        key = rel.key()
        assert key not in seen_keys, f"duplicate relationship {key}: MERGE would fold it"
        seen_keys.add(key)
        allowed = SCHEMA.rel_properties[rel.type]
        for k, value in rel.props.items():
            assert k in allowed, (rel.type, k)
            assert allowed[k].coerce(value) == value, (rel.type, k, value)
        for k, prop in allowed.items():
            if prop.required:
                assert k in rel.props, (rel.type, k)
        assert rel.props["sources"], "every relationship carries sources"
        assert all(label_of[s] == "Source" for s in rel.props["sources"])
        if "since" in rel.props and "until" in rel.props:
            assert rel.props["since"] <= rel.props["until"]
    assert {r.type for r in rs} == set(SCHEMA.rel_types)


def test_shares_stakes_and_provenance_mix() -> None:
    ns, rs = graph_of(10_000, 2)
    label_of = {n.id: n.label for n in ns}
    owned: dict[str, float] = defaultdict(float)
    supplied: dict[tuple[str, str], float] = defaultdict(float)
    stakes: dict[str, float] = defaultdict(float)
    unknown_share = 0
    for r in rs:
        if r.type == "OWNS":
            if "share" in r.props:
                assert 0 <= r.props["share"] <= 1
                owned[r.target] += r.props["share"]
            else:
                unknown_share += 1
        elif r.type == "SUPPLIES":
            assert 0 <= r.props["share"] <= 100
            supplied[(r.target, label_of[r.source])] += r.props["share"]
        elif r.type == "MEMBER_OF" and "stake" in r.props:
            stakes[r.target] += r.props["stake"]
    assert owned and max(owned.values()) <= 1.0 + 1e-9
    assert supplied and max(supplied.values()) <= 100.0 + 1e-9
    assert {lbl for _, lbl in supplied} == {"Firm", "Country"}
    assert stakes and max(stakes.values()) <= 1.0 + 1e-9
    assert unknown_share > 0, "some OWNS have no reported share"
    confidences = Counter(r.props["confidence"] for r in rs)
    assert set(confidences) == {"high", "medium", "low"}
    assert any("since" in r.props for r in rs) and any("until" in r.props for r in rs)


def test_ownership_has_cycles_and_the_input_hierarchy_none() -> None:
    _, rs = graph_of(10_000, 2)
    owns = nx.DiGraph([(r.source, r.target) for r in rs if r.type == "OWNS"])
    assert any(len(c) == 2 for c in nx.simple_cycles(owns, length_bound=2))
    inputs = nx.DiGraph([(r.source, r.target) for r in rs
                         if r.type in {"GOES_INTO", "TYPE_OF"}])
    assert inputs.number_of_edges() > 0
    assert nx.is_directed_acyclic_graph(inputs)


def test_countries_carry_ear_groups_some_arms_embargoed() -> None:
    ns, rs = graph_of(10_000, 2)
    countries = [n for n in ns if n.label == "Country"]
    assert 200 <= len(countries) <= 250
    assert all(c.props["iso3"] == c.id for c in countries)
    embargoed = {c.id for c in countries if "D:5" in c.props["bis_country_groups"]}
    assert {"CHN", "RUS"} <= embargoed
    # firms in embargoed countries exist, and some of them are on a control list
    hq = {r.source: r.target for r in rs if r.type == "HEADQUARTERED_IN"}
    firms = [n.id for n in ns if n.label == "Firm"]
    assert set(hq) == set(firms), "every firm has exactly one headquarters"
    listed = {r.source for r in rs if r.type == "LISTED_ON"}
    assert listed and any(hq[f] in embargoed for f in listed)


def test_it_streams() -> None:
    """Lazy generators whose memory does not grow with what was consumed: going through
    the first 15,000 records of a million-node graph takes a fraction of what holding
    them does."""
    plan = Plan.make(1_000_000, 0)
    assert inspect.isgenerator(iter_nodes(plan)) and inspect.isgenerator(iter_rels(plan))
    tracemalloc.start()
    try:
        consumed = sum(1 for _ in islice(generate(1_000_000, 0), 15_000))
        _, peak_streaming = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        held = list(islice(generate(1_000_000, 0), 15_000))
        _, peak_holding = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert consumed == len(held) == 15_000
    assert peak_streaming * 5 < peak_holding, (peak_streaming, peak_holding)


def _plain(props: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in props.items()}


def test_apoc_json_lines_read_back_by_the_ingest_reader(tmp_path: Path) -> None:
    ns, rs = graph_of(1000, 4)
    path = tmp_path / "g.jsonl"
    n, r = write_file(path, iter(ns), iter(rs))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert (n, r) == (len(ns), len(rs)) and len(lines) == n + r
    assert [x["type"] for x in lines] == ["node"] * n + ["relationship"] * r
    assert all(x["labels"] == sorted(["Entity", rec.label])
               for x, rec in zip(lines, ns, strict=False))
    back = list(ApocReader(path)())
    assert not [x for x in back if isinstance(x, Rejection)]
    nodes_back = [x for x in back if isinstance(x, NodeRecord)]
    rels_back = [x for x in back if isinstance(x, RelRecord)]
    assert [(x.label, x.id, x.props) for x in nodes_back] == [
        (x.label, x.id, _plain(x.props)) for x in ns]
    assert [(x.type, x.source, x.target, x.props) for x in rels_back] == [
        (x.type, x.source, x.target, _plain(x.props)) for x in rs]


def test_generated_graph_passes_ingest_validation() -> None:
    """What the benchmarks load is what a data steward could load: the ingest pipeline's
    validation (a dry run, no database) rejects nothing and warns about nothing."""
    summary = run_load(None, lambda: generate(2000, 9), dry_run=True, progress=False)
    assert not summary.rejections, [str(r) for r in summary.rejections[:5]]
    totals = summary.totals()
    assert totals["nodes"]["valid"] == 2000
    assert totals["relationships"]["valid"] == sum(1 for _ in synthetic_graph(2000, 9)[1])
