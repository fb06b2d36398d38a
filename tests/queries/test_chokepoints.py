"""Chokepoints: an input supplied by one country (on paper), upstream direction, what-if;
random supply graphs against plain-Python concentration, losses and networkx ancestry."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.db import Graph
from graph.errors import BadArgument, NotFound
from queries.chokepoints import chokepoints
from tests.conftest import wipe
from tests.queries.builder import Builder


def litho() -> Builder:
    b = Builder()
    for c in ("USA", "NLD", "JPN", "TWN", "CHN"):
        b.node(c, label="Country")
    b.node("input:euv", "EUV lithography tools")
    b.node("input:litho", "Lithography tools")
    b.node("input:fab", "Advanced logic fabrication")
    b.node("input:resist", "Photoresist")
    b.node("chip:gpu", "GPU")
    b.rel("TYPE_OF", "input:euv", "input:litho")
    b.rel("GOES_INTO", "input:litho", "input:fab")
    b.rel("GOES_INTO", "input:resist", "input:fab")
    b.rel("REQUIRES", "chip:gpu", "input:fab")
    # EUV: one country, one firm
    b.rel("SUPPLIES", "NLD", "input:euv", share=100.0)
    b.rel("SUPPLIES", "firm:asml", "input:euv", share=100.0)
    b.rel("HEADQUARTERED_IN", "firm:asml", "NLD")
    # resist: firms only (aggregated by HQ): JPN 60+30=90, USA 10
    for f, c, s in (("firm:jsr", "JPN", 60.0), ("firm:tok", "JPN", 30.0),
                    ("firm:dupont", "USA", 10.0)):
        b.rel("SUPPLIES", f, "input:resist", share=s)
        b.rel("HEADQUARTERED_IN", f, c)
    # fab: countries TWN 70, KOR absent, USA 20, CHN 10
    for c, s in (("TWN", 70.0), ("USA", 20.0), ("CHN", 10.0)):
        b.rel("SUPPLIES", c, "input:fab", share=s)
    b.rel("SUPPLIES", "firm:tsmc", "input:fab", share=65.0)
    b.rel("HEADQUARTERED_IN", "firm:tsmc", "TWN")
    return b


def test_single_country_input_and_upstream(graph: Graph) -> None:
    litho().load(graph)
    res = chokepoints(graph, target="chip:gpu")
    by_id = {i.input.id: i for i in res.inputs}
    assert set(by_id) == {"input:euv", "input:litho", "input:fab", "input:resist"}
    euv = by_id["input:euv"]
    assert euv.by_country.top_share == 100.0 and euv.by_country.hhi == 10_000
    assert euv.by_country.provider_count == 1 and euv.country_basis == "countries"
    resist = by_id["input:resist"]
    assert resist.country_basis == "firm_headquarters"
    assert resist.by_country.top and resist.by_country.top.id == "JPN"
    assert resist.by_country.top_share == pytest.approx(90.0)
    assert resist.by_firm.hhi == pytest.approx(60**2 + 30**2 + 10**2)
    assert set(res.chokepoints) == {"input:euv", "input:resist"}
    assert by_id["input:litho"].country_basis == "none"
    # fab dominates everything upstream of the GPU
    doms = {d.node.id: set(d.dominates) for d in res.dominators}
    assert doms["input:fab"] == {"input:euv", "input:litho", "input:resist"}
    assert doms["input:litho"] == {"input:euv"}
    # an input upstream of litho only: euv; the fab's upstream excludes the chip
    narrow = chokepoints(graph, target="input:litho", threshold=95)
    assert {i.input.id for i in narrow.inputs} == {"input:euv", "input:litho"}
    assert narrow.chokepoints == ["input:euv"]


def test_provider_lists_are_read_once_per_graph_version(
        graph: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    """The provider lists of an input are kept with the day's summary: asking again (here
    the narrower question, whose inputs the first one read) reads none of them; a write
    (a share that changed) is seen by the next answer."""
    import queries.summaries as summaries_module
    from graph.db import cypher
    from tests.queries.test_license import counting_reads

    litho().load(graph)
    query = cypher(summaries_module.__file__, "concentration")
    reads = counting_reads(graph, monkeypatch)
    first = chokepoints(graph, target="chip:gpu")
    again = chokepoints(graph, target="input:litho")
    assert reads.count(query) == 1
    assert first.model_dump()["inputs"] == chokepoints(graph, target="chip:gpu").model_dump()[
        "inputs"]
    assert {i.input.id for i in again.inputs} == {"input:euv", "input:litho"}
    b = Builder()
    b.rel("SUPPLIES", "firm:jsr", "input:resist", share=20.0)
    b.load(graph)
    resist = {i.input.id: i for i in chokepoints(graph, target="chip:gpu").inputs}[
        "input:resist"]
    assert resist.by_firm.hhi == pytest.approx(20**2 + 30**2 + 10**2)
    assert reads.count(query) == 2


@pytest.mark.parametrize("threshold", [50.0, 90.0, 100.0])
def test_only_chokepoints_lists_the_chokepoints_of_the_full_answer(graph: Graph,
                                                                    threshold: float) -> None:
    litho().load(graph)
    full = chokepoints(graph, target="chip:gpu", threshold=threshold, limit=None)
    only = chokepoints(graph, target="chip:gpu", threshold=threshold, limit=None,
                       only_chokepoints=True)
    assert only.inputs == [i for i in full.inputs if i.chokepoint]
    assert (only.chokepoints, only.chokepoints_total, only.inputs_total) == (
        full.chokepoints, full.chokepoints_total, full.inputs_total)
    assert only.inputs_not_listed == full.inputs_total - len(only.inputs)


def test_chip_with_no_inputs_has_an_empty_upstream(graph: Graph) -> None:
    """A chip that REQUIRES nothing (yet) answers with no inputs, not an error (the
    upstream query used to return no row at all, and the caller failed on it)."""
    b = litho()
    b.node("chip:bare", "A chip with no recorded inputs")
    b.load(graph)
    res = chokepoints(graph, target="chip:bare")
    assert res.inputs == [] and res.chokepoints == []
    # an input with nothing upstream is its own upstream
    assert [i.input.id for i in chokepoints(graph, target="input:resist").inputs] == [
        "input:resist"]


def test_what_if_country_and_firm_removal(graph: Graph) -> None:
    litho().load(graph)
    res = chokepoints(graph, remove=["NLD"])
    assert res.what_if is not None
    lost = {w.input.id: w for w in res.what_if.inputs}
    assert set(lost) == {"input:euv"}
    assert lost["input:euv"].share_lost == 100.0 and lost["input:euv"].all_supply_lost
    cut = {t.target.id: t.inputs_lost for t in res.what_if.targets_cut_off}
    assert cut == {"input:euv": ["input:euv"], "input:litho": ["input:euv"],
                   "input:fab": ["input:euv"], "chip:gpu": ["input:euv"]}
    # removing TSMC: firm view loses 65, country view takes it from TWN's 70
    res = chokepoints(graph, remove=["firm:tsmc", "firm:jsr"])
    assert res.what_if is not None
    lost = {w.input.id: w for w in res.what_if.inputs}
    assert lost["input:fab"].share_lost == 65.0 and lost["input:fab"].firm_share_lost == 65.0
    assert lost["input:resist"].share_lost == 60.0
    assert not any(w.all_supply_lost for w in res.what_if.inputs)
    assert res.what_if.targets_cut_off == []
    # with a target, only its cut-off is reported
    res = chokepoints(graph, target="chip:gpu", remove=["NLD"])
    assert res.what_if and [t.target.id for t in res.what_if.targets_cut_off] == ["chip:gpu"]


def test_bad_arguments(graph: Graph) -> None:
    litho().load(graph)
    with pytest.raises(NotFound):
        chokepoints(graph, target="chip:nope")
    with pytest.raises(BadArgument):
        chokepoints(graph, target="firm:asml")
    with pytest.raises(BadArgument):
        chokepoints(graph, threshold=120)
    with pytest.raises(NotFound):
        chokepoints(graph, remove=["XXY"])


# -- differential ------------------------------------------------------------------------

INPUTS = [f"input:i{i}" for i in range(6)]
FIRMS = [f"firm:s{i}" for i in range(5)]
CTRY = ["USA", "NLD", "JPN"]


@st.composite
def supply(draw: Any) -> dict[str, Any]:
    sup: dict[tuple[str, str], float] = {}
    for _ in range(draw(st.integers(0, 14))):
        p = draw(st.sampled_from(FIRMS + CTRY))
        i = draw(st.sampled_from(INPUTS))
        sup[(p, i)] = float(draw(st.integers(1, 60)))
    hq = {f: draw(st.sampled_from(CTRY)) for f in FIRMS if draw(st.booleans())}
    dag = [(INPUTS[a], INPUTS[b], draw(st.sampled_from(["GOES_INTO", "TYPE_OF"])))
           for a in range(6) for b in range(a) if draw(st.integers(0, 3)) == 0]
    return {"sup": sup, "hq": hq, "dag": dag,
            "remove": draw(st.lists(st.sampled_from(FIRMS + CTRY), max_size=2, unique=True))}


def ref_concentration(sup: dict[tuple[str, str], float], hq: dict[str, str],
                      inp: str) -> tuple[float | None, float, int, float | None, float, int]:
    firms = {p: s for (p, i), s in sup.items() if i == inp and p.startswith("firm:")}
    ctry = {p: s for (p, i), s in sup.items() if i == inp and not p.startswith("firm:")}
    if not ctry:
        agg: dict[str, float] = defaultdict(float)
        for f, s in firms.items():
            agg[hq.get(f, "unknown")] += s
        ctry = dict(agg)
    real = {c: s for c, s in ctry.items() if c != "unknown"}
    return (max(firms.values(), default=None), sum(s * s for s in firms.values()), len(firms),
            max(real.values(), default=None), sum(s * s for s in ctry.values()), len(ctry))


def load_supply(graph: Graph, data: dict[str, Any],
                requires: list[tuple[str, str]] | None = None) -> None:
    """Load a drawn supply graph (and chip REQUIRES edges) into an emptied database."""
    wipe(graph)
    b = Builder()
    for c in CTRY:
        b.node(c, label="Country")
    for i in INPUTS + FIRMS + (CHIPS if requires is not None else []):
        b.node(i)
    for (p, i), s in data["sup"].items():
        b.rel("SUPPLIES", p, i, share=s)
    for f, c in data["hq"].items():
        b.rel("HEADQUARTERED_IN", f, c)
    for a, bb, t in data["dag"]:
        b.rel(t, a, bb)
    for c, i in requires or []:
        b.rel("REQUIRES", c, i)
    b.load(graph)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=supply(), target=st.sampled_from(INPUTS))
def test_differential_random_supply(graph: Graph, data: dict[str, Any], target: str) -> None:
    load_supply(graph, data)
    res = chokepoints(graph, target=target, threshold=50, remove=data["remove"] or None)
    g = nx.DiGraph()
    g.add_nodes_from(INPUTS)
    g.add_edges_from((a, bb) for a, bb, _ in data["dag"])
    assert {i.input.id for i in res.inputs} == nx.ancestors(g, target) | {target}
    for ic in res.inputs:
        want = ref_concentration(data["sup"], data["hq"], ic.input.id)
        got = (ic.by_firm.top_share, ic.by_firm.hhi, ic.by_firm.provider_count,
               ic.by_country.top_share, ic.by_country.hhi, ic.by_country.provider_count)
        assert got == pytest.approx(want)
        assert ic.chokepoint == (want[3] is not None and want[3] >= 50)
    if not data["remove"]:
        return
    assert res.what_if is not None
    removed = set(data["remove"])

    def gone(p: str) -> bool:
        return p in removed or (p.startswith("firm:") and data["hq"].get(p) in removed)

    lost_all = set()
    for ic in res.inputs:
        provs = [p for (p, i) in data["sup"] if i == ic.input.id]
        firm_lost = sum(s for (p, i), s in data["sup"].items()
                        if i == ic.input.id and p.startswith("firm:") and gone(p))
        w = next((w for w in res.what_if.inputs if w.input.id == ic.input.id), None)
        if provs and all(gone(p) for p in provs):
            lost_all.add(ic.input.id)
        if not any(gone(p) for p in provs):
            assert w is None
            continue
        assert w is not None and w.firm_share_lost == pytest.approx(firm_lost)
        assert w.all_supply_lost == (ic.input.id in lost_all)
    cut = {t.target.id for t in res.what_if.targets_cut_off}
    # the target loses all supply iff some input upstream of it lost every provider
    assert cut == ({target} if lost_all else set())


CHIPS = ["chip:c0", "chip:c1"]


def ref_what_if(data: dict[str, Any], requires: list[tuple[str, str]]
                ) -> tuple[dict[str, tuple[float, float, float, bool]], dict[str, set[str]]]:
    """Plain-Python what-if: per affected input (share lost, firm share lost, total,
    all lost), and per cut-off target the inputs that lost every provider upstream."""
    removed = set(data["remove"])
    hq = data["hq"]

    def gone(p: str) -> bool:
        return p in removed or (p.startswith("firm:") and hq.get(p) in removed)

    rows: dict[str, tuple[float, float, float, bool]] = {}
    for inp in INPUTS:
        provs = {p: s for (p, i), s in data["sup"].items() if i == inp}
        if not any(gone(p) for p in provs):
            continue
        firms = {p: s for p, s in provs.items() if p.startswith("firm:")}
        ctry = {p: s for p, s in provs.items() if not p.startswith("firm:")}
        firm_lost = sum(s for p, s in firms.items() if gone(p))
        if ctry:
            lost = sum(s if c in removed else min(s, sum(
                fs for f, fs in firms.items() if f in removed and hq.get(f) == c))
                for c, s in ctry.items())
            total = sum(ctry.values())
        else:
            lost, total = firm_lost, sum(firms.values())
        rows[inp] = (lost, firm_lost, total, all(gone(p) for p in provs))
    g = nx.DiGraph()
    g.add_nodes_from(INPUTS + CHIPS)
    g.add_edges_from((a, bb) for a, bb, _ in data["dag"])
    g.add_edges_from((i, c) for c, i in requires)
    cut: dict[str, set[str]] = defaultdict(set)
    for inp, r in rows.items():
        if r[3]:
            for t in nx.descendants(g, inp) | {inp}:
                cut[t].add(inp)
    return rows, cut


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=supply(), limit=st.sampled_from([0, 1, 2, None]),
       requires=st.lists(st.tuples(st.sampled_from(CHIPS), st.sampled_from(INPUTS)),
                         max_size=4, unique=True))
def test_differential_what_if_totals_and_top(graph: Graph, data: dict[str, Any],
                                             limit: int | None,
                                             requires: list[tuple[str, str]]) -> None:
    """Exact totals and the `limit` largest losses, against plain Python + networkx."""
    if not data["remove"]:
        return
    load_supply(graph, data, requires)
    res = chokepoints(graph, remove=data["remove"], limit=limit, structure=False)
    w = res.what_if
    assert w is not None
    rows, cut = ref_what_if(data, requires)
    assert w.limit == limit
    assert w.inputs_affected == len(rows)
    assert w.inputs_all_lost == sum(1 for r in rows.values() if r[3])
    assert w.share_lost_total == pytest.approx(sum(r[0] for r in rows.values()))
    order = sorted(rows, key=lambda i: (-round(rows[i][0], 6), -round(rows[i][1], 6), i))
    want = order if limit is None else order[:limit]
    assert [x.input.id for x in w.inputs] == want
    assert w.inputs_not_listed == len(rows) - len(want)
    for x in w.inputs:
        lost, firm_lost, total, all_lost = rows[x.input.id]
        assert (x.share_lost, x.firm_share_lost, x.remaining_share, x.all_supply_lost) == (
            pytest.approx(lost), pytest.approx(firm_lost), pytest.approx(total - lost),
            all_lost)
    assert w.targets_affected == len(cut)
    ranked = sorted(cut, key=lambda t: (-len(cut[t]), "Chip" if t.startswith("chip:")
                                        else "Input", t))
    want_t = ranked if limit is None else ranked[:limit]
    assert [(t.target.id, t.inputs_lost) for t in w.targets_cut_off] == [
        (t, sorted(cut[t])) for t in want_t]
    assert w.targets_not_listed == len(cut) - len(want_t)


def test_limit_lists_the_most_concentrated_with_exact_totals(graph: Graph) -> None:
    litho().load(graph)
    res = chokepoints(graph, target="chip:gpu", limit=1)
    # euv 100 (NLD), resist 90 (JPN by HQ), fab 70 (TWN), litho: no supply
    assert [i.input.id for i in res.inputs] == ["input:euv"]
    assert res.chokepoints == ["input:euv"]
    assert (res.limit, res.inputs_total, res.inputs_not_listed, res.chokepoints_total) == (
        1, 4, 3, 2)
    assert [d.node.id for d in res.dominators] == ["input:fab"]
    assert res.dominators_total == 2
    everything = chokepoints(graph, target="chip:gpu", limit=None)
    assert [i.input.id for i in everything.inputs] == [
        "input:euv", "input:resist", "input:fab", "input:litho"]
    assert everything.inputs_not_listed == 0 and everything.chokepoints_total == 2
    assert chokepoints(graph, target="chip:gpu", limit=0).inputs == []


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=supply(), target=st.sampled_from([*INPUTS, None]),
       limit=st.sampled_from([0, 1, 2, None]))
def test_differential_limit_and_totals(graph: Graph, data: dict[str, Any],
                                       target: str | None, limit: int | None) -> None:
    """The `limit` most concentrated inputs (top country share, then id) and exact totals,
    against plain Python + networkx."""
    load_supply(graph, data)
    res = chokepoints(graph, target=target, threshold=50, limit=limit, structure=False)
    g = nx.DiGraph()
    g.add_nodes_from(INPUTS)
    g.add_edges_from((a, bb) for a, bb, _ in data["dag"])
    ups = set(INPUTS) if target is None else nx.ancestors(g, target) | {target}
    top = {i: ref_concentration(data["sup"], data["hq"], i)[3] for i in ups}
    order = sorted(ups, key=lambda i: (-(top[i] if top[i] is not None else -1.0), i))
    want = order if limit is None else order[:limit]
    assert [i.input.id for i in res.inputs] == want
    chokes = [i for i in order if top[i] is not None and top[i] >= 50]
    assert res.chokepoints == (chokes if limit is None else chokes[:limit])
    assert (res.inputs_total, res.inputs_not_listed, res.chokepoints_total) == (
        len(ups), len(ups) - len(want), len(chokes))
