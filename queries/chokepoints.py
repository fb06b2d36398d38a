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

import bisect
import datetime as dt
import heapq
from collections import defaultdict, deque
from collections.abc import Collection, Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from graph.db import Graph, cypher
from graph.errors import BadArgument
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
from queries.summaries import (
    Summary,
    Supply,
    immediate_dominators,
    reachable,
    summary,
)

UNKNOWN = "unknown"
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
            limit: int | None = WHAT_IF_LIMIT, within: Collection[str] | None = None,
            target: EntityRef | None = None) -> WhatIf:
    """Per input, the share of world supply lost when ``remove`` (countries, firms) are
    taken out, and the targets that lose all supply of some upstream input.

    The totals (``inputs_affected``, ``share_lost_total``, ``inputs_all_lost``,
    ``targets_affected``) are exact; the lists hold the ``limit`` largest losses (None:
    all), the rest counted in ``inputs_not_listed`` / ``targets_not_listed``: a removal can
    touch most of a large supply chain, and listing it all is what made it slow.
    ``within`` restricts the inputs (a target's upstream); with ``target``, the only
    target reported is that one.

    Computed from the summaries (queries/summaries.py): the supply index read once per
    graph version and day, the cut-off walk on the cached dependency projection."""
    check_limit(limit)
    nodes = _check_removed(graph, remove)
    countries = sorted({n["id"] for n in nodes if "Country" in n["labels"]})
    firms = sorted({n["id"] for n in nodes if "Firm" in n["labels"]})
    s = summary(graph, day)
    sup = s.supply(graph)
    res = losses(sup, countries, firms, within, limit)
    shown = res.listed
    out = [WhatIfInput.model_construct(
        input=EntityRef.model_construct(id=r.id, name=s.names.get(r.id, r.id), label="Input"),
        share_lost=round(r.lost, 6), firm_share_lost=round(r.firm_lost, 6),
        remaining_share=round(_supplied(sup, r) - r.lost, 6), all_supply_lost=r.all_lost)
        for r in shown]
    lost_all = res.all_lost
    if target is not None:
        targets = ([CutOffTarget(target=target, inputs_lost=lost_all)]
                   if lost_all and limit != 0 else [])
        n_targets = 1 if lost_all else 0
    else:
        targets, n_targets = _cut_off(graph, s, lost_all, limit)
    return WhatIf(removed=[EntityRef(id=n["id"], name=n["name"],
                                     label=primary_label(n["labels"])) for n in nodes],
                  inputs=out, targets_cut_off=targets,
                  inputs_affected=res.affected, inputs_all_lost=len(lost_all),
                  share_lost_total=round(res.lost_total, 6),
                  targets_affected=n_targets, limit=limit,
                  inputs_not_listed=res.affected - len(out),
                  targets_not_listed=n_targets - len(targets))


class Loss(NamedTuple):
    id: str
    lost: float
    firm_lost: float
    all_lost: bool
    has_countries: bool


class Losses(NamedTuple):
    listed: list[Loss]
    affected: int
    lost_total: float
    all_lost: list[str]


def losses(sup: Supply, countries: Sequence[str], firms: Sequence[str],
           within: Collection[str] | None = None, limit: int | None = None) -> Losses:
    """The inputs losing a provider when ``countries`` (with the firms headquartered in
    them) and ``firms`` are removed, by the rules of queries/README.md ("What-if") on the
    supply index: the ``limit`` largest losses (share lost, then firm share lost, both
    rounded to 6 places, then id; None: all) and exact totals.

    Country view: removed countries' shares, plus shares of removed ``firms`` taken from
    their headquarters country's figure (capped at it); inputs without country
    providers: the firm view. Unreported shares count as 0. Vectorized over the removed
    providers' relationships (a removal can touch most inputs); the capping, which only
    explicitly removed firms need, per input in Python."""
    n = len(sup.input_ids)
    listed_firms = set(firms)
    removed = set(countries)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.float64))
    own = [sup.rels_of.get(c, empty) for c in countries]
    first = removed | listed_firms
    extra = sorted({f for c in countries for f in sup.firms_in.get(c, ()) if f not in first})
    gone_firms = [sup.rels_of.get(f, empty) for f in [*firms, *extra]]

    def cat(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        return (np.concatenate([p[0] for p in parts] or [empty[0]]),
                np.concatenate([p[1] for p in parts] or [empty[1]]))

    ci, cs = cat(own)
    fi, fs = cat(gone_firms)
    c_lost = np.bincount(ci, weights=cs, minlength=n)
    f_lost = np.bincount(fi, weights=fs, minlength=n)
    n_gone = np.bincount(ci, minlength=n) + np.bincount(fi, minlength=n)
    lost = np.where(sup.has_country_arr, c_lost, f_lost)
    # removed firms of a country not removed: their shares, capped at the country's
    taken: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for f in firms:
        country = sup.hq.get(f)
        if country is None or country in removed:
            continue
        idx, sh = sup.rels_of.get(f, empty)
        for k, x in zip(idx.tolist(), sh.tolist(), strict=True):
            taken[k][country] += x
    for k, t in taken.items():
        if sup.has_country_arr[k]:
            lost[k] += sum(min(share or 0.0, t[c]) for c, share, is_c
                           in sup.by_input[sup.input_ids[k]] if is_c and c in t)
    hit = n_gone > 0
    if within is not None:
        inside = np.zeros(n, bool)
        number = [k for k, i in enumerate(sup.input_ids) if i in within] if len(within) > n \
            else [k for k in (_number(sup, i) for i in within) if k is not None]
        inside[number] = True
        hit &= inside
    affected = np.nonzero(hit)[0]
    all_lost = affected[n_gone[affected] == sup.n_rels_arr[affected]]
    # ascending: -lost, -firm lost (rounded), input number (= id order)
    order = np.lexsort((affected, -np.round(f_lost[affected], 6),
                        -np.round(lost[affected], 6)))
    top = affected[order if limit is None else order[:limit]]
    ids = sup.input_ids
    return Losses(
        listed=[Loss(ids[k], float(lost[k]), float(f_lost[k]), bool(n_gone[k] == sup.n_rels_arr[k]),
                     bool(sup.has_country_arr[k])) for k in top.tolist()],
        affected=len(affected), lost_total=float(lost[affected].sum()),
        all_lost=[ids[k] for k in all_lost.tolist()])


def _number(sup: Supply, input_id: str) -> int | None:
    """The input's number in ``sup.input_ids`` (sorted), None when it has no supply."""
    k = bisect.bisect_left(sup.input_ids, input_id)
    return k if k < len(sup.input_ids) and sup.input_ids[k] == input_id else None


def _supplied(sup: Supply, r: Loss) -> float:
    """The input's total supply in the view its loss is counted in."""
    return sum(share or 0.0 for _, share, is_c in sup.by_input.get(r.id, ())
               if is_c or not r.has_countries)


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 0:
        raise BadArgument(f"limit must be >= 0, got {limit}",
                          hint="the number of inputs and targets to list; the totals "
                               "always count them all")


def _cut_off(graph: Graph, s: Summary, lost: list[str],
             limit: int | None) -> tuple[list[CutOffTarget], int]:
    """The targets downstream of the inputs ``lost`` (themselves, every input they reach
    by GOES_INTO / TYPE_OF, every chip requiring one of those), most inputs lost first
    (then chips before inputs, then id), at most ``limit``; and how many there are.

    One walk on the summary's dependency projection; the lost inputs behind each target
    are propagated as bit sets."""
    if not lost:
        return [], 0
    start = [s.index[i] for i in lost]
    bit = {v: 1 << k for k, v in enumerate(start)}
    seen = reachable(s, start)
    adj = s.out_adjacency()
    mask = dict.fromkeys(seen, 0)
    for v, b in bit.items():
        mask[v] = b
    work = deque(start)
    while work:  # propagate until stable (also right on cycles)
        u = work.popleft()
        for v in adj[u]:
            m = mask[v] | mask[u]
            if m != mask[v]:
                mask[v] = m
                work.append(v)
    ids, names = s.ids, s.names
    ranked = [(-m.bit_count(), "Input" if ids[v] in names else "Chip", ids[v], m)
              for v, m in mask.items()]
    shown = sorted(ranked) if limit is None else heapq.nsmallest(limit, ranked)
    chips = [t[2] for t in shown if t[1] == "Chip"]
    if chips:
        names = {**names, **{r["id"]: r["name"] for r in graph.read(
            cypher(__file__, "names"), {"ids": chips})}}
    by_bit = sorted(bit.items(), key=lambda kv: s.ids[kv[0]])
    return [CutOffTarget(
        target=EntityRef(id=tid, name=names.get(tid, tid), label=label),
        inputs_lost=[s.ids[v] for v, b in by_bit if m & b])
        for _, label, tid, m in shown], len(ranked)


def _structure(s: Summary, target: int | None, among: Sequence[int] | None,
               refs: dict[str, EntityRef], limit: int | None,
               ) -> tuple[list[Dominator], int, list[NodeScore]]:
    """Dominators of ``target`` (at most ``limit``, most dominated first; and how many)
    and the top betweenness values of the projection ``among`` the given vertices."""
    def ref(n: str) -> EntityRef:
        return refs.get(n) or EntityRef(id=n, name=s.names.get(n, n),
                                        label="Input" if n in s.names else "Chip")

    doms: list[Dominator] = []
    n_doms = 0
    if target is not None:
        idom = immediate_dominators(s, target, among)
        dominated: dict[int, list[str]] = defaultdict(list)
        for node, d in idom.items():
            while d != target:
                dominated[d].append(s.ids[node])
                d = idom[d]
        n_doms = len(dominated)
        best = sorted(dominated.items(), key=lambda kv: (-len(kv[1]), s.ids[kv[0]]))
        doms = [Dominator(node=ref(s.ids[d]), dominates=sorted(ds)[:limit],
                          dominated_total=len(ds))
                for d, ds in (best if limit is None else best[:limit])]
    if s.projection.vcount() == 0 or (among is not None and not among):
        return doms, n_doms, []
    bc = s.betweenness()
    pool = range(len(bc)) if among is None else among
    top = heapq.nsmallest(TOP_BETWEENNESS, ((-bc[v], s.ids[v]) for v in pool if bc[v] > 0))
    return doms, n_doms, [NodeScore(node=ref(n), value=round(-v, 9)) for v, n in top]


def _rank(ids: Iterable[str], top: dict[str, float | None],
          limit: int | None) -> list[str]:
    """Largest top country share first (no known share last), then id."""
    def key(i: str) -> tuple[float, str]:
        t = top.get(i)
        return (-(t if t is not None else -1.0), i)

    return sorted(ids, key=key) if limit is None else heapq.nsmallest(limit, ids, key=key)


def _known_target(s: Summary, target: str) -> EntityRef | None:
    """The target as the summary knows it (every input; every chip that requires one),
    so that most chip questions need no look-up read."""
    tid = target.strip() if isinstance(target, str) else None
    if tid in s.names:
        return EntityRef(id=tid, name=s.names[tid], label="Input")
    if tid in s.chips:
        return EntityRef(id=tid, name=s.chips[tid], label="Chip")
    return None


def chokepoints(graph: Graph, target: str | None = None, threshold: float = 90.0,
                remove: Sequence[str] | None = None,
                as_of: dt.date | str | None = None,
                structure: bool = True,
                limit: int | None = WHAT_IF_LIMIT,
                only_chokepoints: bool = False) -> ChokepointsResult:
    """Concentration per input (all inputs, or the target's upstream), chokepoints at
    ``threshold``, optional what-if removal, dominators and betweenness (skipped with
    ``structure=False``, for callers that only need the chokepoints).

    The lists (inputs, chokepoints, dominators; the what-if's too) hold at most ``limit``
    rows (None: all), largest concentration first; the totals (``inputs_total``,
    ``chokepoints_total``, ``dominators_total``, ``inputs_not_listed``) count them all.
    Ranking and counting read the per-input summary (queries/summaries.py); the full
    concentration (provider lists) is built for the listed inputs only; with
    ``only_chokepoints`` only chokepoints are listed (consortium exposure needs no more)."""
    check_threshold(threshold)
    check_limit(limit)
    day = as_of_date(as_of)
    remove = [r for r in (remove or []) if r.strip()]
    s = summary(graph, day)
    t_ref: EntityRef | None = None
    t_vertex: int | None = None
    among: list[int] | None = None
    if target is not None:
        t_ref = _known_target(s, target)
        if t_ref is None:  # not in the projection that day: the look-up says what it is
            node = lookup(graph, target, ("Chip", "Input"), what="chip or input")
            t_ref = EntityRef(id=node["id"], name=node["name"],
                              label=primary_label(node["labels"]))
        t_vertex = s.index.get(t_ref.id)
        among = s.upstream(t_ref.id)
        ids = [s.ids[v] for v in among if s.ids[v] in s.names]
    else:
        ids = list(s.names)
    chokes = [i for i in ids if (t := s.top.get(i)) is not None and t >= threshold]
    listed = _rank(chokes if only_chokepoints else ids, s.top, limit)
    rows = s.concentration_rows(graph, listed)
    inputs = [input_concentration(r, threshold) for r in rows]
    inputs.sort(key=lambda i: (-(i.by_country.top_share or -1.0), i.input.id))
    refs = {i.input.id: i.input for i in inputs}
    if t_ref:
        refs[t_ref.id] = t_ref
    doms: list[Dominator] = []
    n_doms = 0
    bc: list[NodeScore] = []
    if structure:
        doms, n_doms, bc = _structure(s, t_vertex, among, refs, limit)
    wi = None
    if remove:
        wi = what_if(graph, remove, day, limit=limit,
                     within=set(ids) if t_ref else None, target=t_ref)
    return ChokepointsResult(
        as_of=day, threshold=threshold, target=t_ref, inputs=inputs,
        chokepoints=_rank(chokes, s.top, limit), dominators=doms, betweenness=bc,
        what_if=wi, limit=limit, inputs_total=len(ids),
        inputs_not_listed=len(ids) - len(inputs),
        chokepoints_total=len(chokes), dominators_total=n_doms)


def check_remove(remove: Sequence[str]) -> None:
    if any(not r.strip() for r in remove):
        raise BadArgument("--remove needs a country ISO3 code or a firm id")
