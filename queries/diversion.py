"""Diversion risk: which flows can carry an item's hardware or access to a destination
of concern, ranked by the product of the hop factors of queries/factors.py.

``diversion(graph, item)`` follows the traversable steps of the factor table from a Chip,
Model, DataCenter or Firm; ``diversion_to(graph, country)`` is the inverse, every item
that can reach one country. Both read only the relationships valid on ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from graph.db import Graph, cypher
from graph.errors import BadArgument
from queries import factors
from queries.common import as_of_date, check_hops, lookup, narrow, primary_label
from queries.hops import entity, hops, source_titles
from queries.license import LicenseCheck
from queries.models import (
    DiversionPath,
    DiversionResult,
    DiversionToResult,
    Hop,
    ReachingItem,
)
from queries.scenarios import Scenario, load_scenario

ITEM_LABELS = ("Chip", "Model", "DataCenter", "Firm")
#: paths enumerated at most per question before ranking (the answer says when it is hit)
DEFAULT_BUDGET = 20_000
DEFAULT_LIMIT = 20

def bounded(text: str, max_hops: int) -> str:
    check_hops(max_hops)
    return narrow(text, max_hops)


def _factor(rel_type: str, forward: bool, props: dict[str, Any]) -> float:
    return factors.hop_factor(rel_type, forward, props.get("confidence"), props.get("channel"))


def to_path(row: dict[str, Any], titles: dict[str, str]) -> DiversionPath:
    nodes, rels = row["nodes"], row["rels"]
    hs = hops(nodes, rels, titles, _factor)
    return DiversionPath(hops=hs, length=len(hs), score=round(float(row["score"]), 12),
                         destination=entity(nodes[-1]), reasons=list(row["reasons"]))


def annotate_licenses(paths: list[DiversionPath], origin: str,
                      check: LicenseCheck) -> None:
    """Each SHIPS_TO hop says the license status of the item it moves (its ``item``, else
    the path's origin chip or model) at the party it reaches, with the license recorded on
    the shipment; a path is at license risk where such a hop is at risk."""
    asked: list[tuple[Hop, str]] = []
    for path in paths:
        for hop in path.hops:
            if hop.type != "SHIPS_TO" or hop.direction != "forward":
                continue
            item = hop.properties.get("item") or (
                origin if origin.startswith(("chip:", "model:")) else None)
            if item:
                asked.append((hop, str(item)))
    if asked:
        check.prefetch(sorted({hop.to_id for hop, _ in asked}))
        check.prefetch_items(item for _, item in asked)
    for hop, item in asked:
        view = check.view(item, hop.to_id, hop.properties.get("license"),
                          hop.properties.get("license_date"))
        hop.license = view.model_dump() if view is not None else None
    for path in paths:
        path.license_risk = any(h.license is not None and h.license["at_risk"]
                                for h in path.hops)


def _check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10_000:
        raise BadArgument(f"limit out of range: {limit!r}", hint="expected 1..10000")
    return limit


def diversion(graph: Graph, item: str, scenario: str | Path | Scenario | None = None,
              max_hops: int = 4, as_of: dt.date | str | None = None,
              limit: int = DEFAULT_LIMIT, budget: int = DEFAULT_BUDGET,
              check: LicenseCheck | None = None) -> DiversionResult:
    """Ranked paths from ``item`` to destinations of concern under ``scenario``; SHIPS_TO
    hops carry the license view (``check`` shares evaluations across questions)."""
    check_hops(max_hops)
    _check_limit(limit)
    day = as_of_date(as_of)
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    check = check or LicenseCheck(graph, scen, day)
    concern = sorted(c for c, t in check.tiers().items() if t == "concern")
    params: dict[str, Any] = {
        "id": item.strip() if isinstance(item, str) else item, "as_of": day,
        "concern": concern, "budget": budget, "limit": limit,
        "item": item.strip() if isinstance(item, str) and item.strip().startswith("chip:")
        else None,
        **factors.cypher_params(),
    }
    rows = graph.read(bounded(cypher(__file__, "diversion"), max_hops), params)
    if not rows:  # unknown id: the full look-up gives the suggestions
        lookup(graph, item, ITEM_LABELS, what="item")
    row = rows[0]
    label = primary_label(row["labels"])
    if label not in ITEM_LABELS:
        raise BadArgument(f"{row['id']!r} is a {label}, expected "
                          f"{', '.join(ITEM_LABELS)}", hint="pass the id of an item")
    titles = {k: v for k, v in row["titles"]}
    paths = [to_path(r, titles) for r in row["paths"]]
    check.know_item(row)
    annotate_licenses(paths, row["id"], check)
    return DiversionResult(
        origin=entity({"id": row["id"], "name": row["name"], "label": label}),
        scenario=scen.id, scenario_name=scen.name, as_of=day, max_hops=max_hops,
        concern_countries=concern, origin_reasons=list(row["origin_reasons"]),
        paths=paths, total_paths=row["total"],
        truncated=row["total"] >= budget,
    )


def diversion_to(graph: Graph, country: str, max_hops: int = 4,
                 as_of: dt.date | str | None = None, limit: int = 1000,
                 budget: int = DEFAULT_BUDGET,
                 scenario: str | Path | Scenario | None = None,
                 check: LicenseCheck | None = None) -> DiversionToResult:
    """Every chip, model, data center and firm with a path into ``country``, best first.
    The paths do not depend on the scenario; the answer says the country's tier under it
    (whether those paths are diversion to a destination of concern) and, as the forward
    diversion does, the license status of each SHIPS_TO hop under it (``license_risk``)."""
    check_hops(max_hops)
    _check_limit(limit)
    day = as_of_date(as_of)
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    code = country.strip().upper() if isinstance(country, str) else country
    node = lookup(graph, code, ("Country",), what="country")
    params = {"country": node["id"], "as_of": day, "budget": budget, "limit": limit,
              **factors.cypher_params()}
    rows = graph.read(bounded(cypher(__file__, "diversion_to"), max_hops), params)
    scanned = rows[0]["scanned"] if rows else 0
    raw = rows[0]["items"] if rows else []
    titles = source_titles(graph, (r["rels"] for r in raw))
    check = check or LicenseCheck(graph, scen, day)
    found = [to_path(best, titles) for best in raw]
    check.prefetch(sorted({h.to_id for p in found for h in p.hops if h.type == "SHIPS_TO"}))
    items = []
    for best, path in zip(raw, found, strict=True):
        annotate_licenses([path], best["nodes"][0]["id"], check)
        items.append(ReachingItem(item=entity(best["nodes"][0]), score=path.score,
                                  length=path.length, path=path,
                                  license_risk=path.license_risk))
    tier = check.tiers().get(node["id"]) or scen.tier(node["id"], [])
    return DiversionToResult(
        country=entity({"id": node["id"], "name": node["name"], "label": "Country"}),
        as_of=day, max_hops=max_hops, items=items,
        truncated=scanned >= budget or (bool(rows) and rows[0]["total"] > limit),
        scenario=scen.id, scenario_name=scen.name, tier=tier, of_concern=tier == "concern",
    )
