"""Foreign stakes: effective ownership of a firm by owner and by country (DESIGN.md §5).

* Effective stake of X in T = sum over simple OWNS paths X -> ... -> T (depth <= 6) of the
  product of the shares on the path.
* Residual attribution, so every unit of stake is counted once: X keeps
  eff(X, T) x (1 - sum of the shares X's own recorded owners hold in X), attributed to X's
  headquarters country (a Country owner is its own country).
* An OWNS without ``share`` is unknown: bounds instead of a number. Low: the unknown share
  is 0. High: it is 1. Every figure is capped to [0, 1].

The Cypher (stakes.cypher) returns the paths; the arithmetic is here, so each figure comes
with the paths behind it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from graph.db import Graph, cypher
from graph.errors import BadArgument
from queries.common import as_of_date, lookup, narrow, primary_label
from queries.hops import entity, hops
from queries.models import (
    AmericanStackResult,
    Bounds,
    CountryStake,
    OwnerStake,
    ReverseRow,
    ReverseStakesResult,
    StackCountryAggregate,
    StackFirmRow,
    StakePath,
    StakesResult,
)

MAX_DEPTH = 6
STACK_KINDS = ("ai_lab", "cloud", "chip_designer", "foundry", "memory", "equipment",
               "datacenter_operator")
AMERICAN_STACK = "american-stack"
UNKNOWN = "unknown"


def bounds(low: float, high: float) -> Bounds:
    lo = min(max(low, 0.0), 1.0)
    hi = min(max(high, 0.0), 1.0)
    lo, hi = round(lo, 12), round(hi, 12)
    return Bounds(low=lo, high=hi, exact=lo == hi)


def _check_depth(max_depth: int) -> int:
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) \
            or not 1 <= max_depth <= MAX_DEPTH:
        raise BadArgument(f"max_depth out of range: {max_depth!r}",
                          hint=f"expected 1..{MAX_DEPTH}")
    return max_depth


def _product(rels: list[dict[str, Any]]) -> tuple[float, float]:
    lo = hi = 1.0
    for r in rels:
        share = r["props"].get("share")
        if share is None:
            lo *= 0.0
        else:
            lo *= float(share)
            hi *= float(share)
    return lo, hi


def _stakes(graph: Graph, target: str, day: dt.date, max_depth: int) -> StakesResult:
    rows = graph.read(narrow(cypher(__file__, "stakes"), max_depth, MAX_DEPTH),
                      {"id": target, "as_of": day})
    if not rows:  # unknown id: the full look-up gives the suggestions
        lookup(graph, target, ("Firm",), what="firm")
    head = rows[0]
    label = primary_label(head["labels"])
    if label != "Firm":
        raise BadArgument(f"{head['id']!r} is a {label}, expected Firm",
                          hint="pass the id of a firm")
    by_owner: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for found in head["paths"]:
        by_owner[found["nodes"][0]["id"]].append(found)
    info = {r["id"]: r for r in head["info"]}
    titles = {k: v for k, v in head["titles"]}
    t_country = info[head["id"]]["country"] if head["id"] in info else None

    owners: list[OwnerStake] = []
    for oid, paths in by_owner.items():
        lo = hi = 0.0
        stake_paths = []
        for path in sorted(paths, key=lambda r: [n["id"] for n in r["nodes"]]):
            plo, phi = _product(path["rels"])
            lo, hi = lo + plo, hi + phi
            stake_paths.append(StakePath(hops=hops(path["nodes"], path["rels"], titles),
                                         product=bounds(plo, phi)))
        shares = info[oid]["owner_shares"] if oid in info else []
        known = sum(float(s) for s in shares if s is not None)
        unknown = sum(1 for s in shares if s is None)
        keep_lo = 1.0 - min(1.0, known + unknown)
        keep_hi = 1.0 - min(1.0, known)
        eff = bounds(lo, hi)
        owners.append(OwnerStake(
            owner=entity(paths[0]["nodes"][0]),
            country=info[oid]["country"] if oid in info else None,
            effective=eff, residual=bounds(eff.low * keep_lo, eff.high * keep_hi),
            paths=stake_paths))
    owners.sort(key=lambda o: (-o.effective.high, -o.effective.low, o.owner.id))

    per_country: dict[str, list[OwnerStake]] = defaultdict(list)
    for o in owners:
        per_country[o.country or UNKNOWN].append(o)
    by_country = []
    for country, os_ in per_country.items():
        by_country.append(CountryStake(
            country=country,
            stake=bounds(sum(o.residual.low for o in os_), sum(o.residual.high for o in os_)),
            foreign=country != t_country and country != UNKNOWN,
            owners=[o.owner.id for o in os_]))
    by_country.sort(key=lambda c: (-c.stake.high, -c.stake.low, c.country))
    f_lo = sum(c.stake.low for c in by_country if c.foreign)
    f_hi = sum(c.stake.high for c in by_country if c.foreign or c.country == UNKNOWN)
    return StakesResult(
        target=entity({"id": head["id"], "name": head["name"], "label": label}),
        country=t_country, as_of=day, max_depth=max_depth, owners=owners,
        by_country=by_country, foreign_share=bounds(f_lo, f_hi))


def stakes(graph: Graph, target: str, as_of: dt.date | str | None = None,
           max_depth: int = MAX_DEPTH) -> StakesResult:
    """Effective stakes in one firm by owner and by country, with the paths behind them."""
    _check_depth(max_depth)
    day = as_of_date(as_of)
    if not isinstance(target, str) or not target.strip():
        raise BadArgument("a firm id is required", hint="e.g. firm:openai")
    return _stakes(graph, target.strip(), day, max_depth)


def american_stack(graph: Graph, as_of: dt.date | str | None = None,
                   max_depth: int = MAX_DEPTH) -> AmericanStackResult:
    """Foreign stakes in every firm of the American stack, one row per firm + by country."""
    _check_depth(max_depth)
    day = as_of_date(as_of)
    firms = graph.read(cypher(__file__, "american_stack"),
                       {"kinds": list(STACK_KINDS), "as_of": day})
    rows: list[StackFirmRow] = []
    agg: dict[str, list[Bounds]] = defaultdict(list)
    for f in firms:
        res = _stakes(graph, f["id"], day, max_depth)
        foreign = [c for c in res.by_country if c.foreign]
        rows.append(StackFirmRow(firm=res.target, kinds=list(f["kinds"]),
                                 foreign_share=res.foreign_share, by_country=foreign))
        for c in foreign:
            if c.stake.high > 0:
                agg[c.country].append(c.stake)
    rows.sort(key=lambda r: (-r.foreign_share.high, -r.foreign_share.low, r.firm.id))
    aggregate = [StackCountryAggregate(
        country=c, firms=len(bs),
        total=Bounds(low=round(sum(b.low for b in bs), 12),
                     high=round(sum(b.high for b in bs), 12),
                     exact=all(b.exact for b in bs)),
        max=bounds(max(b.low for b in bs), max(b.high for b in bs)))
        for c, bs in agg.items()]
    aggregate.sort(key=lambda a: (-a.total.high, a.country))
    return AmericanStackResult(as_of=day, firms=rows, aggregate=aggregate)


def reverse_stakes(graph: Graph, target: str | None = None,
                   as_of: dt.date | str | None = None,
                   max_depth: int = MAX_DEPTH) -> ReverseStakesResult:
    """American stakes (the residual attributed to USA) in foreign firms: every foreign
    firm an American owner reaches, or the one ``target``."""
    _check_depth(max_depth)
    day = as_of_date(as_of)
    if target is not None and target != AMERICAN_STACK:
        node = lookup(graph, target, ("Firm",), what="firm")
        candidates = [node["id"]]
    else:
        candidates = [r["id"] for r in graph.read(
            narrow(cypher(__file__, "stakes_reverse"), max_depth, MAX_DEPTH), {"as_of": day})]
    out = []
    for cid in candidates:
        res = _stakes(graph, cid, day, max_depth)
        if res.country == "USA":
            if target is not None and target != AMERICAN_STACK:
                raise BadArgument(f"{cid!r} is headquartered in the USA",
                                  hint="--reverse asks for American stakes in foreign firms")
            continue
        usa = next((c for c in res.by_country if c.country == "USA"), None)
        american = [o for o in res.owners if o.country == "USA"]
        out.append(ReverseRow(firm=res.target, country=res.country,
                              american_share=usa.stake if usa else bounds(0, 0),
                              owners=american))
    out.sort(key=lambda r: (-r.american_share.high, r.firm.id))
    return ReverseStakesResult(as_of=day, firms=out)
