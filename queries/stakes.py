"""Foreign stakes: effective ownership of a firm by owner and by country (DESIGN.md §5).

* Effective stake of X in T = sum over simple OWNS paths X -> ... -> T (depth <= 6) of the
  product of the shares on the path.
* Residual attribution, so every unit of stake is counted once: X keeps
  eff(X, T) x (1 - sum of the shares X's own recorded owners hold in X), attributed to X's
  headquarters country (a Country owner is its own country).
* An OWNS without ``share`` is unknown: bounds instead of a number. Low: the unknown share
  is 0. High: what the known shares of the same owned firm leave, 1 - (sum of its known
  owners' shares) — A 20 %, B 30 %, E unknown in T gives E at most 50 %, not 100 %. Along a
  chain the caps multiply (each hop's unknown share is bounded by what its own firm's known
  shares leave).
* Several unknown owners share what is left jointly: the known shares fix every lower
  bound; what they leave unassigned is one "free mass" per firm with unknown owners (its
  exact stake x 1 - its known owners' shares), which may go wholly to that firm's own
  remainder or to any owner above its unknown edges, but only once. A country's (and the
  foreign share's) upper bound is its lower bound plus the free masses that could go to
  it — the tightest bounds the recorded facts allow; every figure is capped to [0, 1].

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


def room_left(shares: list[Any]) -> float:
    """What the known shares of one firm's owners leave for its unknown owners (0..1)."""
    return min(1.0, max(0.0, 1.0 - sum(float(s) for s in shares if s is not None)))


def _product(nodes: list[dict[str, Any]], rels: list[dict[str, Any]],
             info: dict[str, dict[str, Any]]) -> tuple[float, float]:
    lo = hi = 1.0
    for i, r in enumerate(rels):
        share = r["props"].get("share")
        if share is None:
            owned = info.get(nodes[i + 1]["id"])
            lo *= 0.0
            hi *= room_left(owned["owner_shares"]) if owned else 1.0
        else:
            lo *= float(share)
            hi *= float(share)
    return lo, hi


def _free_masses(by_owner: dict[str, list[dict[str, Any]]], info: dict[str, dict[str, Any]],
                 target: str) -> list[tuple[float, set[str]]]:
    """The stake the known shares leave unassigned, per firm with unknown owners.

    A firm Y reached from the target by known shares only (exact stake e) and having
    unknown owners leaves e x (1 - its known owners' shares) free: it goes to Y's own
    remainder (Y's country; not for the target itself) or to the owners above Y's unknown
    edges (their countries). Each free mass counts once, whatever the number of unknown
    owners sharing it; the candidates of each are the countries it may go to."""
    exact: dict[str, float] = defaultdict(float)
    cands: dict[str, set[str]] = defaultdict(set)
    for paths in by_owner.values():
        for path in paths:
            nodes, rels = path["nodes"], path["rels"]
            unknown = [i for i, r in enumerate(rels) if r["props"].get("share") is None]
            if not unknown:
                continue
            j = unknown[-1]  # the unknown edge nearest the target: below it all is known
            below = nodes[j + 1]["id"]
            for n in nodes[:j + 1]:
                cands[below].add(info[n["id"]]["country"] if n["id"] in info
                                 and info[n["id"]]["country"] else UNKNOWN)
    for paths in by_owner.values():
        for path in paths:
            if all(r["props"].get("share") is not None for r in path["rels"]):
                prod = 1.0
                for r in path["rels"]:
                    prod *= float(r["props"]["share"])
                exact[path["nodes"][0]["id"]] += prod
    out = []
    for y, cs in cands.items():
        e = 1.0 if y == target else exact.get(y, 0.0)
        own = info[y]["country"] if y in info and info[y]["country"] else UNKNOWN
        room = room_left(info[y]["owner_shares"]) if y in info else 1.0
        if e * room > 0:
            out.append((min(e, 1.0) * room, cs | ({own} if y != target else set())))
    return out


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
            plo, phi = _product(path["nodes"], path["rels"], info)
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
    lows = {c: sum(o.residual.low for o in os_) for c, os_ in per_country.items()}
    free = _free_masses(by_owner, info, head["id"])
    by_country = []
    for country, os_ in per_country.items():
        # jointly: the known shares fix every low; what is not fixed is the free mass of
        # each firm with unknown owners, which may go wholly to one of its candidates
        high = lows[country] + sum(m for m, cands in free if country in cands)
        high = min(high, sum(o.residual.high for o in os_))
        by_country.append(CountryStake(
            country=country, stake=bounds(lows[country], max(high, lows[country])),
            foreign=country != t_country and country != UNKNOWN,
            owners=[o.owner.id for o in os_]))
    by_country.sort(key=lambda c: (-c.stake.high, -c.stake.low, c.country))
    f_lo = sum(c.stake.low for c in by_country if c.foreign)
    f_hi = f_lo + sum(m for m, cands in free if any(c != t_country for c in cands))
    f_hi = min(f_hi, sum(c.stake.high for c in by_country if c.foreign or c.country == UNKNOWN))
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
