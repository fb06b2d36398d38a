"""The license question on paper: every rule kind at, below and above its boundary, the
Affiliates rule through owners, chains, dates and its suspension, a D:5 parent, a license
exception, a rule change across two dates; bad arguments; and random items, parties and
ownership graphs against an independent evaluator in plain Python."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.db import Graph
from graph.errors import BadArgument, NotFound
from queries.license import license
from queries.scenarios import load_scenario
from tests.conftest import wipe
from tests.queries.builder import Builder

PAPER = str(Path(__file__).with_name("policy_fixture.yaml"))
DAY = "2025-10-01"  # Affiliates rule in force, named-chip rule in force


def world() -> Builder:
    b = Builder()
    b.node("CHN", label="Country", bis_country_groups=["D:1", "D:5"])
    b.node("MAC", label="Country", bis_country_groups=["D:1"])
    b.node("GBR", label="Country", bis_country_groups=["A:1"])
    b.node("SGP", label="Country", bis_country_groups=["B"])
    b.node("list:el", label="ControlList", name="Paper entity list")
    for tpp, cid in ((4800.0, "chip:at"), (4799.9, "chip:below"), (4800.1, "chip:above")):
        b.node(cid, tpp=tpp, performance_density=1.0)
    b.node("chip:dense", tpp=1600.0, performance_density=5.92)
    b.node("chip:sparse", tpp=1600.0, performance_density=5.91)
    b.node("chip:nodensity", tpp=2000.0)
    b.node("chip:named", tpp=2368.0, performance_density=1.0)
    b.node("model:closed", training_compute_flop=2e26, open_weights=False)
    b.node("model:open", training_compute_flop=2e26, open_weights=True)
    return b


def ask(graph: Graph, item: str, to: str, as_of: str = DAY) -> Any:
    return license(graph, item, to, scenario=PAPER, as_of=as_of)


def statuses(res: Any) -> dict[str, str]:
    out = {f.rule: f.status for f in res.not_in_force + res.not_applied}
    out.update({f.rule: f.status for f in res.undetermined})
    out.update({f.rule: f.status for f in res.applied})
    return out


def test_thresholds_at_below_and_above(graph: Graph) -> None:
    world().load(graph)
    at, below, above = (ask(graph, c, "CHN") for c in ("chip:at", "chip:below", "chip:above"))
    assert at.required is True and above.required is True
    assert at.policy == "license required: presumption of denial"
    assert below.required is False and below.policy == "no license required"
    why = next(f for f in at.applied if f.rule == "big-chips").why
    assert why == ["TPP 4,800 >= 4,800"]
    assert "TPP 4,799.9 < 4,800" in next(f for f in below.not_applied
                                         if f.rule == "big-chips").why[0]
    # the density clause: at 5.92 covered, at 5.91 not
    assert ask(graph, "chip:dense", "CHN").required is True
    assert ask(graph, "chip:sparse", "CHN").required is False
    # a property the graph lacks leaves the rule undetermined: never "no license"
    res = ask(graph, "chip:nodensity", "CHN")
    assert res.required is None and statuses(res)["big-chips"] == "undetermined"


def test_destinations_exception_and_tiers(graph: Graph) -> None:
    world().load(graph)
    gbr = ask(graph, "chip:above", "GBR")
    assert gbr.required is False and gbr.policy == "license exception AIA"
    assert statuses(gbr)["worldwide"] == "superseded"
    sgp = ask(graph, "chip:above", "SGP")
    assert sgp.required is True and sgp.policy == "license required: case by case"
    mac = ask(graph, "chip:above", "MAC")  # named in the rule although not in D:5
    assert mac.policy == "license required: presumption of denial"
    # model weights: closed above the threshold need a license; open ones are not covered
    assert ask(graph, "model:closed", "SGP").required is True
    assert ask(graph, "model:open", "SGP").required is False


def test_same_question_across_a_rule_change(graph: Graph) -> None:
    world().load(graph)
    before = ask(graph, "chip:named", "CHN", as_of="2024-06-01")
    after = ask(graph, "chip:named", "CHN", as_of="2025-06-01")
    assert before.required is False and after.required is True
    assert statuses(before)["named-chip"] == "not_in_force"
    assert "effective from 2025-04-09" in next(
        f for f in before.not_in_force if f.rule == "named-chip").why[0]


def owned(b: Builder, shares: list[tuple[str, float]], target: str = "firm:t") -> None:
    b.rel("HEADQUARTERED_IN", target, "SGP")
    for owner, share in shares:
        b.rel("OWNS", owner, target, share=share)


def test_affiliates_rule_aggregate_chain_dates_and_suspension(graph: Graph) -> None:
    b = world()
    for f in ("firm:l1", "firm:l2", "firm:l3"):
        b.rel("LISTED_ON", f, "list:el")
        b.rel("HEADQUARTERED_IN", f, "SGP")
    owned(b, [("firm:l1", 0.3), ("firm:l2", 0.2)], "firm:t")       # 50 %: covered
    owned(b, [("firm:l1", 0.3), ("firm:l3", 0.19)], "firm:u")      # 49 %: not covered
    b.rel("HEADQUARTERED_IN", "firm:m", "SGP")
    b.rel("OWNS", "firm:l1", "firm:m", share=1.0)
    owned(b, [("firm:m", 0.5)], "firm:v")                          # through a chain
    b.load(graph)
    t = ask(graph, "chip:named", "firm:t")
    assert t.required is True and t.policy == "license required: presumption of denial"
    finding = next(f for f in t.applied if f.rule == "affiliates")
    assert "50.00%" in finding.why[0] and finding.ownership
    assert {c.owner.id for c in finding.ownership} == {"firm:l1", "firm:l2"}
    assert all(c.hops[0].properties.get("share") in (0.3, 0.2) for c in finding.ownership)
    u = ask(graph, "chip:named", "firm:u")
    assert u.required is False and statuses(u)["affiliates"] == "not_applied"
    v = ask(graph, "chip:named", "firm:v")
    assert v.required is True
    chain = next(f for f in v.applied if f.rule == "affiliates").ownership
    assert chain and [h.from_id for h in chain[0].hops] == ["firm:l1", "firm:m"]
    before = ask(graph, "chip:named", "firm:t", as_of="2025-09-28")
    assert before.required is False and statuses(before)["affiliates"] == "not_in_force"
    during = ask(graph, "chip:named", "firm:t", as_of="2026-01-01")
    assert during.required is False
    assert "suspended" in next(f for f in during.not_in_force if f.rule == "affiliates").why[0]
    after = ask(graph, "chip:named", "firm:t", as_of="2026-11-10")
    assert after.required is True


def test_affiliates_unknown_share_is_a_bound(graph: Graph) -> None:
    b = world()
    b.rel("LISTED_ON", "firm:l1", "list:el")
    owned(b, [("firm:l1", 0.3), ("firm:x", 0.2)], "firm:t")
    b.rel("OWNS", "firm:l2", "firm:t")   # unknown, at most 50 %
    b.rel("LISTED_ON", "firm:l2", "list:el")
    b.load(graph)
    res = ask(graph, "chip:named", "firm:t")
    assert res.required is None  # 30 % .. 80 %: the unknown share decides
    assert statuses(res)["affiliates"] == "undetermined"


def test_listing_and_d5_parent(graph: Graph) -> None:
    b = world()
    b.rel("LISTED_ON", "firm:listed", "list:el", reason="paper")
    b.rel("HEADQUARTERED_IN", "firm:listed", "GBR")
    b.rel("HEADQUARTERED_IN", "firm:sub", "SGP")
    b.rel("HEADQUARTERED_IN", "firm:parent", "CHN")
    b.rel("OWNS", "firm:parent", "firm:sub", share=0.6)
    b.rel("HEADQUARTERED_IN", "firm:free", "SGP")
    b.node("dc:site", status="operational")
    b.rel("LOCATED_IN", "dc:site", "SGP")
    b.rel("OPERATES", "firm:sub", "dc:site")
    b.load(graph)
    listed = ask(graph, "chip:named", "firm:listed")
    assert listed.required is True
    assert "listed on list:el" in next(f for f in listed.applied if f.rule == "listed").why[0]
    sub = ask(graph, "chip:named", "firm:sub")
    assert sub.required is True
    assert "ultimate parent firm:parent" in next(
        f for f in sub.applied if f.rule == "hq-d5").why[0]
    assert ask(graph, "chip:named", "firm:free").required is False
    site = ask(graph, "chip:named", "dc:site")  # its operator's parent is in D:5
    assert site.required is True and [u.id for u in site.end_users] == ["firm:sub"]


def test_bad_arguments(graph: Graph, tmp_path: Path) -> None:
    world().load(graph)
    with pytest.raises(NotFound):
        ask(graph, "chip:nothing", "CHN")
    with pytest.raises(NotFound):
        ask(graph, "chip:at", "firm:nobody")
    with pytest.raises(BadArgument, match="no export-control rule"):
        ask(graph, "CHN", "CHN")
    with pytest.raises(BadArgument):
        ask(graph, "chip:at", "list:el")
    with pytest.raises(BadArgument):
        ask(graph, "chip:at", "CHN", as_of="soon")
    only_chips = tmp_path / "chips-only.yaml"
    only_chips.write_text(Path(PAPER).read_text().replace("applies_to: model",
                                                          "applies_to: chip"))
    with pytest.raises(BadArgument, match="no item rule for models"):
        license(graph, "model:closed", "SGP", scenario=str(only_chips), as_of=DAY)
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(PAPER).read_text().replace("review: case_by_case",
                                                   "review: maybe"))
    with pytest.raises(BadArgument, match=r"bad.yaml: rule 'worldwide': field 'review'"):
        load_scenario(str(bad))


def test_real_scenarios_parse() -> None:
    for sid in ("current", "ai-diffusion-2025", "default", "arms-embargo",
                "wider-country-tiers", "american-monopoly", "repeal-without-replacement",
                "bilateral-deals"):
        scen = load_scenario(sid)
        assert scen.rules.rules, sid
        assert all(r.sources for r in scen.rules.rules), sid


# -- differential -------------------------------------------------------------------------

FIRMS = [f"firm:f{i}" for i in range(5)]
COUNTRIES = {"CHN": ["D:5"], "GBR": ["A:1"], "SGP": ["B"], "MAC": ["D:1"]}
TIER = {"GBR": "trusted", "CHN": "concern", "MAC": "concern", "SGP": "between"}


def reference(tpp: float, dest: str, target: str, listed: set[str],
              hq: dict[str, str], edges: dict[tuple[str, str], float]) -> tuple[bool, str]:
    """The paper rules for a chip without density, evaluated independently of queries/."""
    if tpp < 4800:
        return False, "no license required"
    outcomes = ["case_by_case"]            # worldwide
    if TIER[dest] == "trusted":
        outcomes = ["exception"]           # supersedes worldwide
    if "D:5" in COUNTRIES[dest] or dest == "MAC":
        outcomes.append("denial")
    g = nx.DiGraph()
    g.add_edges_from((a, b, {"share": s}) for (a, b), s in edges.items())
    covered = target in listed or hq.get(target) == "CHN"
    if target in g:
        for anc in nx.ancestors(g, target):  # a controlling parent headquartered in D:5
            if hq.get(anc) == "CHN" and any(
                    len(p) <= 6 and all(g.edges[e]["share"] >= 0.5 for e in p)
                    for p in nx.all_simple_edge_paths(g, anc, target)):
                covered = True
        agg = 0.0
        for owner in listed & set(g.nodes):
            for p in nx.all_simple_paths(g, owner, target):
                if len(p) - 1 > 6 or any(n in listed for n in p[1:-1]):
                    continue
                prod = 1.0
                for a, b in zip(p, p[1:], strict=False):
                    prod *= g.edges[a, b]["share"]
                agg += prod
        covered = covered or agg >= 0.5 - 1e-12
    if covered:
        outcomes.append("denial")
    best = max(outcomes, key=["exception", "case_by_case", "denial"].index)
    return best != "exception", {"exception": "license exception AIA",
                                 "case_by_case": "license required: case by case",
                                 "denial": "license required: presumption of denial"}[best]


@st.composite
def worlds(draw: Any) -> dict[str, Any]:
    edges: dict[tuple[str, str], float] = {}
    for _ in range(draw(st.integers(0, 8))):
        a, b = draw(st.sampled_from(FIRMS)), draw(st.sampled_from(FIRMS))
        if a != b and (b, a) not in edges:
            edges[(a, b)] = draw(st.sampled_from([0.1, 0.2, 0.3, 0.5, 0.6, 1.0]))
    # keep known shares into each firm at most 100 %
    for f in FIRMS:
        into = [(k, s) for k, s in edges.items() if k[1] == f]
        total = sum(s for _, s in into)
        if total > 1.0:
            for k, s in into:
                edges[k] = s / total
    return {
        "edges": edges,
        "listed": set(draw(st.lists(st.sampled_from(FIRMS), max_size=3))),
        "hq": {f: draw(st.sampled_from(list(COUNTRIES))) for f in FIRMS},
        "tpp": draw(st.sampled_from([4000.0, 4799.0, 4800.0, 9000.0])),
        "to": draw(st.sampled_from(FIRMS + list(COUNTRIES))),
    }


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(w=worlds())
def test_differential_random_parties(graph: Graph, w: dict[str, Any]) -> None:
    wipe(graph)
    b = Builder()
    for c, groups in COUNTRIES.items():
        b.node(c, label="Country", bis_country_groups=groups)
    b.node("list:el", label="ControlList", name="EL")
    b.node("chip:x", tpp=w["tpp"], performance_density=1.0)
    for f in FIRMS:
        b.node(f)
        b.rel("HEADQUARTERED_IN", f, w["hq"][f])
    for f in w["listed"]:
        b.rel("LISTED_ON", f, "list:el")
    for (a, c), s in w["edges"].items():
        b.rel("OWNS", a, c, share=s)
    b.load(graph)
    res = ask(graph, "chip:x", w["to"])
    to = w["to"]
    dest = to if to in COUNTRIES else w["hq"][to]
    if to in COUNTRIES:
        want = reference(w["tpp"], dest, "", set(), {}, {})
    else:
        want = reference(w["tpp"], dest, to, w["listed"], w["hq"], w["edges"])
    assert (res.required, res.policy) == want


# -- compute by country and scenarios compared -------------------------------------------

def compute_world() -> Builder:
    b = world()
    for dc, country, status, h100 in (("dc:sg-op", "SGP", "operational", 800.0),
                                      ("dc:sg-plan", "SGP", "planned", 300.0),
                                      ("dc:uk-op", "GBR", "operational", 5000.0),
                                      ("dc:cn-op", "CHN", "operational", 700.0)):
        b.node(dc, status=status, h100_equivalents=h100)
        b.rel("LOCATED_IN", dc, country)
    b.node("dc:sg-unknown", status="operational")
    b.rel("LOCATED_IN", "dc:sg-unknown", "SGP")
    b.node("consortium:k", kind="partnership")
    b.rel("HEADQUARTERED_IN", "firm:gb", "GBR")
    b.rel("MEMBER_OF", "firm:gb", "consortium:k")
    b.rel("INCLUDES", "consortium:k", "dc:uk-op", layer="datacenter")
    return b


def test_cap_exceeded_by_a_planned_cluster(graph: Graph) -> None:
    from queries.compute import compute_by_country

    compute_world().load(graph)
    res = compute_by_country(graph, scenario=PAPER, as_of=DAY)
    rows = {r.country: r for r in res.countries}
    sg = rows["SGP"]
    assert (sg.operational, sg.planned, sg.cap) == (800.0, 300.0, 1000.0)
    assert sg.unknown_count == 1 and sg.operational_count == 2
    assert sg.exceeds == "operational + planned 1,100 > cap 1,000"
    assert rows["GBR"].cap is None and rows["GBR"].exceeds is None  # trusted: no cap
    assert res.total_operational == 6500.0
    one = compute_by_country(graph, scenario=PAPER, as_of=DAY, country="sgp")
    assert [r.country for r in one.countries] == ["SGP"]


def test_compare_scenarios_side_by_side(graph: Graph, tmp_path: Path) -> None:
    from queries.compare import compare_scenarios

    compute_world().load(graph)
    strict = tmp_path / "strict.yaml"
    strict.write_text(Path(PAPER).read_text().replace("id: paper", "id: strict")
                      .replace("trusted: {countries: [GBR]", "trusted: {countries: []"))
    res = compare_scenarios(graph, [PAPER, str(strict)], item="chip:above", as_of=DAY)
    a, b = res.scenarios
    assert a.policy_by_country["GBR"] == "license exception AIA"
    assert b.policy_by_country["GBR"] == "license required: case by case"
    assert a.countries_per_tier["trusted"] == 1 and b.countries_per_tier["trusted"] == 0
    # SGP 800 + CHN 700 need a license under both; GBR's 5000 only under 'strict'
    assert a.compute_needing_license == 1500.0 and b.compute_needing_license == 6500.0
    assert a.planned_needing_license == 300.0
    assert [c.consortium for c in b.consortia_changed] == ["consortium:k"]
    assert b.consortia_changed[0].needing_license == ["dc:uk-op", "firm:gb"]
    assert a.consortia_changed == []


def hub_world() -> Builder:
    """A controlled chip shipped from the UK through a Singapore hub (with a license
    granted for that first shipment) to a Chinese firm."""
    b = world()
    b.node("chip:x", tpp=9000.0, performance_density=1.0)
    b.rel("HEADQUARTERED_IN", "firm:us", "GBR")
    b.rel("HEADQUARTERED_IN", "firm:hub", "SGP")
    b.rel("HEADQUARTERED_IN", "firm:cn", "CHN")
    b.rel("SHIPS_TO", "firm:us", "firm:hub", item="chip:x", license="granted",
          license_date=dt.date(2025, 11, 1))
    b.rel("SHIPS_TO", "firm:hub", "firm:cn", item="chip:x")
    return b


def test_diversion_hops_carry_the_license_view(graph: Graph) -> None:
    from queries.diversion import diversion

    b = hub_world()
    b.load(graph)
    res = diversion(graph, "firm:us", scenario=PAPER, as_of=DAY)
    path = next(p for p in res.paths if p.destination.id == "firm:cn")
    first, second = path.hops[0].license, path.hops[1].license
    assert first is not None and second is not None
    assert first["required"] is True and first["recorded"] == "granted"
    assert not first["at_risk"]
    assert second["policy"] == "license required: presumption of denial"
    assert second["at_risk"]
    assert path.license_risk is True


def test_diversion_to_paths_carry_the_license_view(graph: Graph) -> None:
    """`diversion --to`: the same hops into the country say the same license status as the
    forward question, and the reaching item says whether its best path is at risk."""
    from queries.diversion import diversion_to

    b = hub_world()
    b.node("chip:small", tpp=100.0, performance_density=0.1)
    b.rel("HEADQUARTERED_IN", "firm:us2", "GBR")
    b.rel("SHIPS_TO", "firm:us2", "firm:cn", item="chip:small")
    b.load(graph)
    res = diversion_to(graph, "CHN", scenario=PAPER, as_of=DAY)
    by_item = {it.item.id: it for it in res.items}
    us = by_item["firm:us"]
    hops = [h for h in us.path.hops if h.type == "SHIPS_TO"]
    assert [h.to_id for h in hops] == ["firm:hub", "firm:cn"]
    first, second = hops[0].license, hops[1].license
    assert first is not None and second is not None
    assert first["required"] is True and first["recorded"] == "granted" and not first["at_risk"]
    assert second["policy"] == "license required: presumption of denial" and second["at_risk"]
    assert us.license_risk is True and us.path.license_risk is True
    # a chip below every threshold reaches China without a license: no risk on that path
    small = by_item["firm:us2"]
    view = small.path.hops[0].license
    assert view is not None and view["required"] is False and not view["at_risk"]
    assert small.license_risk is False



def counting_reads(graph: Graph, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts of the reads ``graph`` runs from now on (the reads still run)."""
    reads: list[str] = []
    real_read = graph.read

    def counted(text: str, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        reads.append(text)
        return real_read(text, *args, **kwargs)

    monkeypatch.setattr(graph, "read", counted)
    return reads


def test_a_license_check_reads_each_item_and_party_once(graph: Graph,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Many pairs under one check (an exposure row asks every chip x every member): each
    item, party and country is read once, and every view equals the single question's."""
    from queries.license import LicenseCheck

    b = hub_world()
    b.node("chip:y", tpp=100.0, performance_density=0.1)
    b.load(graph)
    items, parties = ["chip:x", "chip:y"], ["firm:us", "firm:hub", "firm:cn"]
    expected = {(i, p): license(graph, i, p, scenario=PAPER, as_of=DAY)
                for i in items for p in parties}
    reads = counting_reads(graph, monkeypatch)
    license(graph, "chip:x", "firm:cn", scenario=PAPER, as_of=DAY)
    per_pair = len(reads)  # item, party (and its owners), country groups
    reads.clear()
    check = LicenseCheck(graph, load_scenario(PAPER), dt.date.fromisoformat(DAY))
    for i in items:
        for p in parties:
            view = check.view(i, p)
            assert view is not None
            assert (view.required, view.policy) == (expected[i, p].required,
                                                    expected[i, p].policy)
    # one read per item, the party reads once per party, no repeat for a pair
    assert len(reads) <= len(items) + (per_pair - 1) * len(parties)
    assert len(reads) < per_pair * len(items) * len(parties)


def test_a_license_check_reads_its_parties_together(graph: Graph,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """``prefetch`` reads every party of an answer in one query; the views then read no
    party again and equal the single questions; what cannot be a party (a chip, nothing)
    gets no view, as when it is asked alone."""
    import queries.license as license_module
    from graph.db import cypher
    from queries.license import LicenseCheck

    hub_world().load(graph)
    parties = ["firm:us", "firm:hub", "firm:cn", "chn", "chip:x", "  ", "firm:nobody"]
    expected = {p: license(graph, "chip:x", p, scenario=PAPER, as_of=DAY)
                for p in parties[:4]}
    party_query = cypher(license_module.__file__, "license_party")
    check = LicenseCheck(graph, load_scenario(PAPER), dt.date.fromisoformat(DAY))
    reads = counting_reads(graph, monkeypatch)
    check.prefetch(parties)
    assert reads.count(party_query) == 1
    reads.clear()
    views = {p: check.view("chip:x", p) for p in parties}
    assert party_query not in reads
    for p, res in expected.items():
        view = views[p]
        assert view is not None and (view.required, view.policy) == (res.required,
                                                                      res.policy)
    assert views["chip:x"] is None and views["  "] is None and views["firm:nobody"] is None


def test_a_diversion_from_an_item_reads_no_item_of_its_own(
        graph: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    """The diversion query returns its origin as the item read: the license views of its
    hops need no item read, and say what the license question alone says."""
    import queries.license as license_module
    from graph.db import cypher
    from queries.diversion import diversion

    b = hub_world()
    b.rel("DESIGNS", "firm:us", "chip:x")
    b.load(graph)
    alone = license(graph, "chip:x", "firm:cn", scenario=PAPER, as_of=DAY)
    reads = counting_reads(graph, monkeypatch)
    res = diversion(graph, "chip:x", scenario=PAPER, as_of=DAY)
    assert cypher(license_module.__file__, "license_item") not in reads
    hop = next(h for p in res.paths for h in p.hops
               if h.type == "SHIPS_TO" and h.to_id == "firm:cn")
    assert hop.license is not None
    assert (hop.license["required"], hop.license["policy"]) == (alone.required, alone.policy)
