"""Foreign stakes: the DESIGN.md example, diamonds, cycles and unknown shares on paper, and
random ownership graphs against an independent path-sum in plain Python."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.db import Graph
from graph.errors import BadArgument, NotFound
from queries.stakes import american_stack, reverse_stakes, stakes
from tests.conftest import wipe
from tests.queries.builder import Builder


def owners_of(res: Any) -> dict[str, tuple[float, float]]:
    return {o.owner.id: (o.effective.low, o.effective.high) for o in res.owners}


def countries_of(res: Any) -> dict[str, tuple[float, float]]:
    return {c.country: (c.stake.low, c.stake.high) for c in res.by_country}


def base() -> Builder:
    b = Builder()
    for c in ("USA", "JPN", "CHN", "SAU", "TWN"):
        b.node(c, label="Country")
    return b


def test_design_example(graph: Graph) -> None:
    b = base()
    b.node("firm:t", kind=["ai_lab"])
    b.rel("HEADQUARTERED_IN", "firm:t", "USA")
    b.rel("HEADQUARTERED_IN", "firm:a", "JPN")
    b.rel("HEADQUARTERED_IN", "firm:d", "CHN")
    b.rel("OWNS", "firm:a", "firm:t", share=0.2)
    b.rel("OWNS", "firm:d", "firm:a", share=0.25)
    b.load(graph)
    res = stakes(graph, "firm:t")
    assert owners_of(res) == {"firm:a": pytest.approx((0.2, 0.2)),
                              "firm:d": pytest.approx((0.05, 0.05))}
    assert countries_of(res) == {"JPN": pytest.approx((0.15, 0.15)),
                                 "CHN": pytest.approx((0.05, 0.05))}
    assert res.foreign_share.low == pytest.approx(0.2) and res.foreign_share.exact
    d_path = next(o for o in res.owners if o.owner.id == "firm:d").paths[0]
    assert [h.from_id for h in d_path.hops] == ["firm:d", "firm:a"]
    assert d_path.hops[0].properties["share"] == 0.25


def test_diamond_cycle_and_unknown_share(graph: Graph) -> None:
    b = base()
    b.rel("HEADQUARTERED_IN", "firm:t", "USA")
    for f, c in (("firm:a", "JPN"), ("firm:b", "TWN"), ("firm:d", "CHN"), ("firm:u", "SAU")):
        b.rel("HEADQUARTERED_IN", f, c)
    # diamond: D owns 50% of A and 40% of B; A owns 30% of T, B owns 10% of T
    b.rel("OWNS", "firm:a", "firm:t", share=0.3)
    b.rel("OWNS", "firm:b", "firm:t", share=0.1)
    b.rel("OWNS", "firm:d", "firm:a", share=0.5)
    b.rel("OWNS", "firm:d", "firm:b", share=0.4)
    # cycle: T owns 10% of D
    b.rel("OWNS", "firm:t", "firm:d", share=0.1)
    # unknown share: U owns part of B (not reported)
    b.rel("OWNS", "firm:u", "firm:b")
    # the US state (a Country owner) holds 5% of T directly
    b.rel("OWNS", "USA", "firm:t", share=0.05)
    b.load(graph)
    res = stakes(graph, "firm:t")
    eff = owners_of(res)
    assert eff["firm:d"] == pytest.approx((0.5 * 0.3 + 0.4 * 0.1,) * 2)
    # U's unknown share in B is at most what D's 40 % leaves: 60 %, times B's 10 % of T
    assert eff["firm:u"] == pytest.approx((0.0, 0.06))
    assert eff["USA"] == pytest.approx((0.05, 0.05))
    by = countries_of(res)
    # A keeps 30% x (1 - 0.5); B keeps 10% x (1 - 0.4 - [0..1] capped)
    assert by["JPN"] == pytest.approx((0.15, 0.15))
    assert by["TWN"] == pytest.approx((0.0, 0.1 * 0.6))
    # D's own owner is T (the cycle): D keeps eff x (1 - 0.1)
    assert by["CHN"] == pytest.approx((0.19 * 0.9, 0.19 * 0.9))
    assert by["SAU"] == pytest.approx((0.0, 0.06))
    assert by["USA"] == pytest.approx((0.05, 0.05))
    assert not res.foreign_share.exact
    assert res.foreign_share.low == pytest.approx(0.15 + 0.171)
    # B's free 6 % goes to TWN or to SAU, not to both
    assert res.foreign_share.high == pytest.approx(0.15 + 0.171 + 0.06)


def test_as_of_and_american_stack_and_reverse(graph: Graph) -> None:
    b = base()
    b.node("firm:lab", kind=["ai_lab"])
    b.node("firm:fund", kind=["investor"])
    b.node("firm:tsmc", kind=["foundry"])
    b.rel("HEADQUARTERED_IN", "firm:lab", "USA")
    b.rel("HEADQUARTERED_IN", "firm:fund", "USA")
    b.rel("HEADQUARTERED_IN", "firm:tsmc", "TWN")
    b.rel("HEADQUARTERED_IN", "firm:pif", "SAU")
    b.rel("OWNS", "firm:pif", "firm:lab", share=0.1, since="2024-06-01")
    b.rel("OWNS", "firm:fund", "firm:tsmc", share=0.2)
    b.load(graph)
    assert countries_of(stakes(graph, "firm:lab", as_of="2024-01-01")) == {}
    stack = american_stack(graph, as_of="2025-01-01")
    assert [r.firm.id for r in stack.firms] == ["firm:lab"]  # the investor is not stack
    assert stack.firms[0].foreign_share.low == pytest.approx(0.1)
    assert [(a.country, a.firms) for a in stack.aggregate] == [("SAU", 1)]
    rev = reverse_stakes(graph)
    assert [(r.firm.id, r.american_share.low) for r in rev.firms] == [("firm:tsmc", 0.2)]
    with pytest.raises(BadArgument):
        reverse_stakes(graph, "firm:lab")


# -- bounds that inform (issue 18) -------------------------------------------------------

def test_unknown_owner_bounded_by_what_known_shares_leave(graph: Graph) -> None:
    b = base()
    b.rel("HEADQUARTERED_IN", "firm:t", "USA")
    b.rel("HEADQUARTERED_IN", "firm:a", "USA")
    b.rel("HEADQUARTERED_IN", "firm:b", "USA")
    b.rel("HEADQUARTERED_IN", "firm:e", "CHN")
    b.rel("OWNS", "firm:a", "firm:t", share=0.2)
    b.rel("OWNS", "firm:b", "firm:t", share=0.3)
    b.rel("OWNS", "firm:e", "firm:t")
    b.load(graph)
    res = stakes(graph, "firm:t")
    assert owners_of(res)["firm:e"] == pytest.approx((0.0, 0.5))
    assert countries_of(res)["CHN"] == pytest.approx((0.0, 0.5))
    assert (res.foreign_share.low, res.foreign_share.high) == pytest.approx((0.0, 0.5))
    assert countries_of(res)["USA"] == pytest.approx((0.5, 0.5))


def test_two_unknown_owners_share_what_is_left(graph: Graph) -> None:
    b = base()
    b.rel("HEADQUARTERED_IN", "firm:t", "USA")
    b.rel("HEADQUARTERED_IN", "firm:a", "JPN")
    b.rel("HEADQUARTERED_IN", "firm:b", "USA")
    b.rel("HEADQUARTERED_IN", "firm:e", "CHN")
    b.rel("HEADQUARTERED_IN", "firm:f", "CHN")
    b.rel("HEADQUARTERED_IN", "firm:g", "SAU")
    for owner, share in (("firm:a", 0.2), ("firm:b", 0.3)):
        b.rel("OWNS", owner, "firm:t", share=share)
    for owner in ("firm:e", "firm:f", "firm:g"):
        b.rel("OWNS", owner, "firm:t")
    b.load(graph)
    res = stakes(graph, "firm:t")
    eff = owners_of(res)
    assert eff["firm:e"] == eff["firm:f"] == eff["firm:g"] == pytest.approx((0.0, 0.5))
    by = countries_of(res)
    assert by["CHN"] == pytest.approx((0.0, 0.5))  # E and F jointly, not 100 %
    assert by["SAU"] == pytest.approx((0.0, 0.5))
    # foreign: A's 20 % plus at most the 50 % that A and B leave
    assert (res.foreign_share.low, res.foreign_share.high) == pytest.approx((0.2, 0.7))


def test_unknown_share_inside_a_chain(graph: Graph) -> None:
    b = base()
    b.rel("HEADQUARTERED_IN", "firm:t", "USA")
    b.rel("HEADQUARTERED_IN", "firm:m", "JPN")
    b.rel("HEADQUARTERED_IN", "firm:k", "USA")
    b.rel("HEADQUARTERED_IN", "firm:e", "CHN")
    b.rel("OWNS", "firm:m", "firm:t", share=0.4)
    b.rel("OWNS", "firm:k", "firm:m", share=0.75)
    b.rel("OWNS", "firm:e", "firm:m")  # at most the 25 % K leaves in M
    b.load(graph)
    res = stakes(graph, "firm:t")
    assert owners_of(res)["firm:e"] == pytest.approx((0.0, 0.4 * 0.25))
    assert countries_of(res)["CHN"] == pytest.approx((0.0, 0.1))
    assert countries_of(res)["USA"] == pytest.approx((0.3, 0.3))
    assert res.foreign_share.high == pytest.approx(0.1)  # M keeps 0 .. 10 % (JPN)


def test_bad_arguments(graph: Graph) -> None:
    base().load(graph)
    with pytest.raises(NotFound):
        stakes(graph, "firm:nobody")
    with pytest.raises(BadArgument):
        stakes(graph, "USA")  # not a firm
    with pytest.raises(BadArgument):
        stakes(graph, "USA", as_of="yesterday")


# -- differential ------------------------------------------------------------------------

FIRMS = [f"firm:o{i}" for i in range(6)]
CTRY = ["JPN", "CHN", "USA"]


def reference(edges: dict[tuple[str, str], float | None], hq: dict[str, str], target: str,
              depth: int = 6) -> tuple[dict[str, tuple[float, float]],
                                       dict[str, tuple[float, float]]]:
    """Plain-Python effective stakes and residual attribution (independent of queries/)."""
    into: dict[str, list[tuple[str, float | None]]] = defaultdict(list)
    for (a, b), s in edges.items():
        into[b].append((a, s))
    eff: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    paths: list[list[str]] = []  # owner ... target

    def walk(node: str, seen: list[str], lo: float, hi: float) -> None:
        if len(seen) > depth:
            return
        for owner, s in into[node]:
            if owner in seen:
                continue
            room = max(0.0, 1.0 - sum(x for _, x in into[node] if x is not None))
            nlo = lo * (s if s is not None else 0.0)
            nhi = hi * (s if s is not None else min(1.0, room))
            eff[owner][0] += nlo
            eff[owner][1] += nhi
            paths.append([owner] + seen[::-1])
            walk(owner, seen + [owner], nlo, nhi)

    walk(target, [target], 1.0, 1.0)
    by: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for owner, (lo, hi) in eff.items():
        shares = [s for _, s in into[owner]]
        known = sum(s for s in shares if s is not None)
        unknown = sum(1 for s in shares if s is None)
        c = hq.get(owner, "unknown")
        by[c][0] += min(lo, 1) * (1 - min(1, known + unknown))
        by[c][1] += min(hi, 1) * (1 - min(1, known))
    # free masses: per firm with unknown owners, its exact stake x what known shares leave
    share = {(a, b): s for (a, b), s in edges.items()}
    exact: dict[str, float] = defaultdict(float)
    cands: dict[str, set[str]] = defaultdict(set)
    for p in paths:
        hops_ = list(zip(p, p[1:], strict=False))
        unknown_at = [i for i, h in enumerate(hops_) if share[h] is None]
        if not unknown_at:
            prod = 1.0
            for h in hops_:
                prod *= share[h]  # type: ignore[operator]
            exact[p[0]] += prod
        else:
            j = unknown_at[-1]
            cands[p[j + 1]] |= {hq.get(n, "unknown") for n in p[:j + 1]}
    free = []
    for y, cs in cands.items():
        e = 1.0 if y == target else exact.get(y, 0.0)
        room = max(0.0, 1.0 - sum(x for _, x in into[y] if x is not None))
        if e * room > 0:
            free.append((min(e, 1.0) * room,
                         cs | ({hq.get(y, "unknown")} if y != target else set())))
    out = {}
    for k, (lo, hi) in by.items():
        lo = min(lo, 1.0)
        high = min(lo + sum(m for m, cs in free if k in cs), hi, 1.0)
        out[k] = (lo, max(lo, high))
    cap = lambda v: (min(v[0], 1.0), min(v[1], 1.0))  # noqa: E731
    return ({k: cap(v) for k, v in eff.items()}, out)


def assert_close(got: dict[str, tuple[float, float]],
                 want: dict[str, tuple[float, float]]) -> None:
    assert set(got) == set(want)
    for k, v in want.items():
        assert got[k] == pytest.approx(v), k


@st.composite
def ownership(draw: Any) -> tuple[dict[tuple[str, str], float | None], dict[str, str]]:
    edges: dict[tuple[str, str], float | None] = {}
    for _ in range(draw(st.integers(1, 12))):
        a, b = draw(st.sampled_from(FIRMS)), draw(st.sampled_from(FIRMS))
        if a != b:
            edges[(a, b)] = draw(st.sampled_from([0.1, 0.25, 0.5, 0.3, None]))
    hq = {f: draw(st.sampled_from(CTRY)) for f in FIRMS if draw(st.booleans())}
    return edges, hq


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=ownership(), target=st.sampled_from(FIRMS[:3]))
def test_differential_random_ownership(graph: Graph, data: Any, target: str) -> None:
    edges, hq = data
    wipe(graph)
    b = base()
    for f in FIRMS:
        b.node(f)
    for (a, bb), s in edges.items():
        b.rel("OWNS", a, bb, **({} if s is None else {"share": s}))
    for f, c in hq.items():
        b.rel("HEADQUARTERED_IN", f, c)
    b.load(graph)
    res = stakes(graph, target)
    want_eff, want_by = reference(edges, hq, target)
    assert_close(owners_of(res), want_eff)
    assert_close(countries_of(res), want_by)
    # every unit counted once: on an acyclic graph with known shares, the residuals add
    # up to the direct stakes in the target
    known = all(s is not None for s in edges.values())
    if nx.is_directed_acyclic_graph(nx.DiGraph(list(edges))) and known:
        direct = sum(s for (a, bb), s in edges.items() if bb == target and s is not None)
        assert sum(c.stake.low for c in res.by_country) == pytest.approx(min(direct, 1.0))
