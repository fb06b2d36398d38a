"""Supply-chain chokepoints: concentration of each input's providers, a target's upstream
chokepoints, what-if removals, and structural measures (dominators, betweenness).

Decisions (queries/README.md has the reasons):

* Upstream of X: X itself and every input with a GOES_INTO / TYPE_OF path into X; a
  Chip's upstream is the union over the inputs it REQUIRES.
* Concentration by country uses the Country providers of an input when it has any; when
  only firms are reported, firm shares are summed by headquarters country.
* Shares the data gives to no single provider ("Various countries" / "Various
  companies") or to a region ("EUR") are shown beside the providers
  (``unattributed_share``, ``regions``), never as a provider: they count in no top share,
  HHI or provider count, but an input given wholly to them still has its supply.
* HHI: sum of squared percent shares (0..10,000); unreported shares add nothing, but the
  provider is counted.
* What-if: removing a country removes its own supply and that of every firm
  headquartered in it; removing a firm removes its supply (in the country view, it is
  subtracted from its headquarters country's figure).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Sequence
from typing import Any

import networkx as nx

from graph.db import Graph, cypher
from graph.errors import BadArgument
from graph.projection import dependency_digraph, dependency_projection
from queries.common import as_of_date, check_threshold, lookup, primary_label
from queries.models import (
    WHAT_IF_LIMIT,
    ChokepointsResult,
    Concentration,
    CutOffTarget,
    Dominator,
    EntityRef,
    InputConcentration,
    NodeScore,
    ProviderShare,
    WhatIf,
    WhatIfInput,
)

UNKNOWN = "unknown"
#: betweenness is sampled (k pivots, fixed seed) above this many nodes
BETWEENNESS_EXACT_MAX = 2000
BETWEENNESS_SAMPLES = 64
TOP_BETWEENNESS = 10


def concentration(providers: Sequence[ProviderShare], unattributed: float | None = None,
                  regions: Sequence[ProviderShare] = ()) -> Concentration:
    known = [p for p in providers if p.share is not None and p.id != UNKNOWN]
    # largest share, ties: the alphabetically first id (a plain min over (-share, id):
    # cheaper than negating ids, and right when one id is a prefix of another)
    top = min(known, key=lambda p: (-(p.share or 0.0), p.id), default=None)
    # model_construct: the values come typed from the database; this runs per input of
    # an upstream that can hold every input of the graph
    return Concentration.model_construct(
        top=top, top_share=top.share if top else None,
        hhi=round(sum((p.share or 0.0) ** 2 for p in providers if p.share is not None), 6),
        provider_count=len(providers),
        providers=sorted(providers, key=lambda p: (-(p.share or -1.0), p.id)),
        unattributed_share=unattributed, regions=list(regions))


def input_concentration(row: dict[str, Any], threshold: float) -> InputConcentration:
    firms = [p for p in row["providers"] if p["label"] == "Firm"]
    countries = [p for p in row["providers"] if p["label"] == "Country"]
    share = ProviderShare.model_construct
    by_firm = concentration([share(id=p["id"], name=p["name"], share=p["share"])
                             for p in firms], row.get("unattributed_firm_share"))
    unattributed = row.get("unattributed_country_share")
    regions = ([share(id="EUR", name="Europe", share=row["europe_share"])]
               if row.get("europe_share") is not None else [])
    if countries or unattributed is not None or regions:
        basis = "countries"
        by_country = concentration([share(id=p["id"], name=p["name"], share=p["share"])
                                    for p in countries], unattributed, regions)
    elif firms:
        basis = "firm_headquarters"
        sums: dict[str, float | None] = {}
        for p in firms:
            c = p["country"] or UNKNOWN
            if p["share"] is None:
                sums.setdefault(c, None)
            else:
                sums[c] = (sums.get(c) or 0.0) + float(p["share"])
        by_country = concentration([share(id=c, name=c, share=s) for c, s in sums.items()])
    else:
        basis = "none"
        by_country = concentration([])
    top = by_country.top_share
    return InputConcentration.model_construct(
        input=EntityRef.model_construct(id=row["id"], name=row["name"], label="Input"),
        by_firm=by_firm, by_country=by_country, country_basis=basis,
        chokepoint=top is not None and top >= threshold)


def _check_removed(graph: Graph, remove: Sequence[str]) -> list[dict[str, Any]]:
    out = []
    for rid in remove:
        text = rid.strip()
        if len(text) == 3 and text.isalpha():
            text = text.upper()
        out.append(lookup(graph, text, ("Country", "Firm"), what="country or firm"))
    return out


def what_if(graph: Graph, remove: Sequence[str], day: dt.date,
            limit: int | None = WHAT_IF_LIMIT, within: Sequence[str] | None = None,
            target: EntityRef | None = None) -> WhatIf:
    """Per input, the share of world supply lost when ``remove`` (countries, firms) are
    taken out, and the targets that lose all supply of some upstream input.

    The totals (``inputs_affected``, ``share_lost_total``, ``inputs_all_lost``,
    ``targets_affected``) are exact; the lists hold the ``limit`` largest losses (None:
    all), the rest counted in ``inputs_not_listed`` / ``targets_not_listed``: a removal can
    touch most of a large supply chain, and listing it all is what made it slow.
    ``within`` restricts the inputs (a target's upstream); with ``target``, the only
    target reported is that one."""
    check_limit(limit)
    nodes = _check_removed(graph, remove)
    countries = sorted({n["id"] for n in nodes if "Country" in n["labels"]})
    firms = sorted({n["id"] for n in nodes if "Firm" in n["labels"]})
    row = graph.read(cypher(__file__, "what_if"),
                     {"countries": countries, "firms": firms, "as_of": day,
                      "within": None if within is None else list(within), "limit": limit})[0]
    out = [WhatIfInput(
        input=EntityRef(id=r["id"], name=r["name"], label="Input"),
        share_lost=round(r["lost"], 6), firm_share_lost=round(r["firm_lost"], 6),
        remaining_share=round(r["total"] - r["lost"], 6), all_supply_lost=r["all_lost"])
        for r in row["top"]]
    lost_all = sorted(row["all_lost_ids"])
    if target is not None:
        targets = ([CutOffTarget(target=target, inputs_lost=lost_all)]
                   if lost_all and limit != 0 else [])
        n_targets = 1 if lost_all else 0
    else:
        targets, n_targets = _cut_off(graph, lost_all, day, limit)
    return WhatIf(removed=[EntityRef(id=n["id"], name=n["name"],
                                     label=primary_label(n["labels"])) for n in nodes],
                  inputs=out, targets_cut_off=targets,
                  inputs_affected=row["affected"], inputs_all_lost=len(lost_all),
                  share_lost_total=round(row["lost_total"], 6),
                  targets_affected=n_targets, limit=limit,
                  inputs_not_listed=row["affected"] - len(out),
                  targets_not_listed=n_targets - len(targets))


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 0:
        raise BadArgument(f"limit must be >= 0, got {limit}",
                          hint="the number of inputs and targets to list; the totals "
                               "always count them all")


def _cut_off(graph: Graph, lost: list[str], day: dt.date,
             limit: int | None) -> tuple[list[CutOffTarget], int]:
    """The targets downstream of the inputs ``lost`` (themselves, every input they reach
    by GOES_INTO / TYPE_OF, every chip requiring one of those), most inputs lost first
    (then chips before inputs, then id), at most ``limit``; and how many there are.

    One multi-source breadth-first walk, one query per level, instead of a path search
    per lost input; the lost inputs behind each target are propagated as bit sets."""
    if not lost:
        return [], 0
    bit = {lid: 1 << k for k, lid in enumerate(lost)}
    succ: dict[str, list[str]] = defaultdict(list)
    seen = set(lost)
    frontier = list(lost)
    while frontier:
        nxt: set[str] = set()
        for e in graph.read(cypher(__file__, "downstream_step"),
                            {"ids": frontier, "as_of": day}):
            succ[e["a"]].append(e["b"])
            if e["b"] not in seen:
                nxt.add(e["b"])
        seen |= nxt
        frontier = sorted(nxt)
    mask = {n: bit.get(n, 0) for n in seen}
    work = deque(lost)
    while work:  # propagate until stable (also right on cycles)
        u = work.popleft()
        for v in succ.get(u, ()):
            m = mask[v] | mask[u]
            if m != mask[v]:
                mask[v] = m
                work.append(v)
    chips: dict[str, int] = defaultdict(int)
    for r in graph.read(cypher(__file__, "downstream_chips"),
                        {"ids": sorted(seen), "as_of": day}):
        chips[r["chip"]] |= mask[r["input"]]
    ranked = sorted([(-m.bit_count(), "Chip", c, m) for c, m in chips.items()]
                    + [(-m.bit_count(), "Input", n, m) for n, m in mask.items()])
    shown = ranked if limit is None else ranked[:limit]
    names = {r["id"]: r["name"] for r in graph.read(
        cypher(__file__, "names"), {"ids": [t[2] for t in shown]})}
    return [CutOffTarget(
        target=EntityRef(id=tid, name=names.get(tid, tid), label=label),
        inputs_lost=sorted(lid for lid in lost if m & bit[lid]))
        for _, label, tid, m in shown], len(ranked)


def _structure(g: nx.DiGraph, target: str | None,
               names: dict[str, EntityRef]) -> tuple[list[Dominator], list[NodeScore]]:
    def ref(n: str) -> EntityRef:
        return names.get(n) or EntityRef(id=n, name=n, label="Input")

    doms: list[Dominator] = []
    if target is not None and target in g:
        rev = g.reverse(copy=False)
        idom = nx.immediate_dominators(rev, target)
        dominated: dict[str, set[str]] = defaultdict(set)
        for node in idom:
            if node == target:
                continue
            d = idom[node]
            while d != target:
                dominated[d].add(node)
                d = idom[d]
        doms = [Dominator(node=ref(d), dominates=sorted(s))
                for d, s in sorted(dominated.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    if g.number_of_nodes() == 0:
        return doms, []
    k = None if g.number_of_nodes() <= BETWEENNESS_EXACT_MAX else BETWEENNESS_SAMPLES
    bc = nx.betweenness_centrality(g, k=k, seed=0, normalized=True)
    top = sorted(((v, n) for n, v in bc.items() if v > 0), key=lambda x: (-x[0], x[1]))
    return doms, [NodeScore(node=ref(n), value=round(v, 9)) for v, n in top[:TOP_BETWEENNESS]]


def chokepoints(graph: Graph, target: str | None = None, threshold: float = 90.0,
                remove: Sequence[str] | None = None,
                as_of: dt.date | str | None = None,
                structure: bool = True,
                limit: int | None = WHAT_IF_LIMIT) -> ChokepointsResult:
    """Concentration per input (all inputs, or the target's upstream), chokepoints at
    ``threshold``, optional what-if removal, dominators and betweenness (skipped with
    ``structure=False``, for callers that only need the chokepoints).

    The lists (inputs, chokepoints, dominators; the what-if's too) hold at most ``limit``
    rows (None: all), largest concentration first; the totals (``inputs_total``,
    ``chokepoints_total``, ``dominators_total``, ``inputs_not_listed``) count them all."""
    check_threshold(threshold)
    check_limit(limit)
    day = as_of_date(as_of)
    remove = [r for r in (remove or []) if r.strip()]
    t_ref: EntityRef | None = None
    names: dict[str, EntityRef] = {}
    if target is not None:
        node = lookup(graph, target, ("Chip", "Input"), what="chip or input")
        t_ref = EntityRef(id=node["id"], name=node["name"], label=primary_label(node["labels"]))
        up = graph.read(cypher(__file__, "upstream"), {"id": node["id"], "as_of": day})[0]
        ids = [u["id"] for u in up["upstream"]]
        keep = set(ids)
        edges = [(a, b, "GOES_INTO") for a, b in up["edges"] if a in keep and b in keep]
        if t_ref.label == "Chip":
            edges += [(t_ref.id, r, "REQUIRES") for r in up["roots"]]
        g = dependency_digraph(edges)
        g.add_node(t_ref.id)
        rows = graph.read(cypher(__file__, "concentration"),
                          {"ids": ids, "as_of": day})
    else:
        g = dependency_projection(graph, day)
        rows = graph.read(cypher(__file__, "concentration"),
                          {"ids": None, "as_of": day})
    inputs = [input_concentration(r, threshold) for r in rows]
    names = {i.input.id: i.input for i in inputs}
    if t_ref:
        names[t_ref.id] = t_ref
    doms, bc = _structure(g, t_ref.id if t_ref else None, names) if structure else ([], [])
    wi = None
    if remove:
        wi = what_if(graph, remove, day, limit=limit,
                     within=[i.input.id for i in inputs] if t_ref else None, target=t_ref)
    inputs.sort(key=lambda i: (-(i.by_country.top_share or -1.0), i.input.id))
    chokes = [i.input.id for i in inputs if i.chokepoint]
    return ChokepointsResult(
        as_of=day, threshold=threshold, target=t_ref, inputs=inputs[:limit],
        chokepoints=chokes[:limit], dominators=doms[:limit], betweenness=bc, what_if=wi,
        limit=limit, inputs_total=len(inputs),
        inputs_not_listed=len(inputs) - len(inputs[:limit]),
        chokepoints_total=len(chokes), dominators_total=len(doms))


def check_remove(remove: Sequence[str]) -> None:
    if any(not r.strip() for r in remove):
        raise BadArgument("--remove needs a country ISO3 code or a firm id")
