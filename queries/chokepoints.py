"""Supply-chain chokepoints: concentration of each input's providers, a target's upstream
chokepoints, what-if removals, and structural measures (dominators, betweenness).

Decisions (queries/README.md has the reasons):

* Upstream of X: X itself and every input with a GOES_INTO / TYPE_OF path into X; a
  Chip's upstream is the union over the inputs it REQUIRES.
* Concentration by country uses the Country providers of an input when it has any; when
  only firms are reported, firm shares are summed by headquarters country.
* HHI: sum of squared percent shares (0..10,000); unreported shares add nothing, but the
  provider is counted.
* What-if: removing a country removes its own supply and that of every firm
  headquartered in it; removing a firm removes its supply (in the country view, it is
  subtracted from its headquarters country's figure).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import networkx as nx

from graph.db import Graph, cypher
from graph.errors import BadArgument
from graph.projection import dependency_digraph, dependency_projection
from queries.common import as_of_date, check_threshold, lookup, primary_label
from queries.models import (
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


def concentration(providers: Sequence[ProviderShare]) -> Concentration:
    known = [p for p in providers if p.share is not None and p.id != UNKNOWN]
    top = max(known, key=lambda p: (p.share or 0.0, _neg(p.id)), default=None)
    # model_construct: the values come typed from the database; this runs per input of
    # an upstream that can hold every input of the graph
    return Concentration.model_construct(
        top=top, top_share=top.share if top else None,
        hhi=round(sum((p.share or 0.0) ** 2 for p in providers if p.share is not None), 6),
        provider_count=len(providers),
        providers=sorted(providers, key=lambda p: (-(p.share or -1.0), p.id)))


def _neg(text: str) -> tuple[int, ...]:
    """Sort key making the alphabetically first id win ties under max()."""
    return tuple(-ord(c) for c in text)


def input_concentration(row: dict[str, Any], threshold: float) -> InputConcentration:
    firms = [p for p in row["providers"] if p["label"] == "Firm"]
    countries = [p for p in row["providers"] if p["label"] == "Country"]
    share = ProviderShare.model_construct
    by_firm = concentration([share(id=p["id"], name=p["name"], share=p["share"])
                             for p in firms])
    if countries:
        basis = "countries"
        by_country = concentration([share(id=p["id"], name=p["name"], share=p["share"])
                                    for p in countries])
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


def what_if(graph: Graph, remove: Sequence[str], day: dt.date) -> WhatIf:
    """Per input, the share of world supply lost when ``remove`` (countries, firms) are
    taken out, and the targets that lose all supply of some upstream input."""
    nodes = _check_removed(graph, remove)
    countries = sorted({n["id"] for n in nodes if "Country" in n["labels"]})
    firms = sorted({n["id"] for n in nodes if "Firm" in n["labels"]})
    rows = graph.read(cypher(__file__, "what_if"),
                      {"countries": countries, "firms": firms, "as_of": day})
    out = [WhatIfInput(
        input=EntityRef(id=r["id"], name=r["name"], label="Input"),
        share_lost=round(r["lost"], 6), firm_share_lost=round(r["firm_lost"], 6),
        remaining_share=round(r["total"] - r["lost"], 6), all_supply_lost=r["all_lost"])
        for r in rows]
    out.sort(key=lambda w: (-w.share_lost, -w.firm_share_lost, w.input.id))
    lost_all = [w.input.id for w in out if w.all_supply_lost]
    targets: list[CutOffTarget] = []
    if lost_all:
        for t in graph.read(cypher(__file__, "downstream"), {"lost": lost_all, "as_of": day}):
            targets.append(CutOffTarget(
                target=EntityRef(id=t["id"], name=t["name"], label=t["label"]),
                inputs_lost=sorted(t["lost"])))
    return WhatIf(removed=[EntityRef(id=n["id"], name=n["name"],
                                     label=primary_label(n["labels"])) for n in nodes],
                  inputs=out, targets_cut_off=targets)


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
                structure: bool = True) -> ChokepointsResult:
    """Concentration per input (all inputs, or the target's upstream), chokepoints at
    ``threshold``, optional what-if removal, dominators and betweenness (skipped with
    ``structure=False``, for callers that only need the chokepoints)."""
    check_threshold(threshold)
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
        wi = what_if(graph, remove, day)
        if t_ref is not None:
            keep = {i.input.id for i in inputs}
            wi.inputs = [w for w in wi.inputs if w.input.id in keep]
            wi.targets_cut_off = [t for t in wi.targets_cut_off if t.target.id == t_ref.id]
    inputs.sort(key=lambda i: (-(i.by_country.top_share or -1.0), i.input.id))
    return ChokepointsResult(
        as_of=day, threshold=threshold, target=t_ref, inputs=inputs,
        chokepoints=[i.input.id for i in inputs if i.chokepoint],
        dominators=doms, betweenness=bc, what_if=wi)


def check_remove(remove: Sequence[str]) -> None:
    if any(not r.strip() for r in remove):
        raise BadArgument("--remove needs a country ISO3 code or a firm id")
