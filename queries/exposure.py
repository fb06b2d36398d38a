"""Consortium exposure: one row per consortium for dashboards (DESIGN.md §5).

Members by country and scenario tier, stakes by country, members on control lists, the
stack by layer with each layer's countries of origin, the share of layers that are
American, the chokepoints its chips depend on, and the diversion paths from its data
centers. Built from exposure.cypher plus the chokepoint and diversion questions.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from graph.db import Graph, cypher
from queries.chokepoints import chokepoints as chokepoint_question
from queries.common import as_of_date, check_hops, check_threshold, lookup
from queries.diversion import diversion
from queries.license import LicenseCheck
from queries.models import (
    ChokepointRef,
    ConsortiumExposure,
    DiversionPath,
    EntityRef,
    ExposureResult,
    LayerItem,
    LicenseView,
    ListedMember,
    Member,
)
from queries.scenarios import Scenario, load_scenario

TOP_PATHS = 5


def license_view(row: dict[str, Any], check: LicenseCheck) -> list[LicenseView]:
    """Members (firms) and data centers that would need a license — or cannot be decided —
    for each chip the consortium includes, under the scenario."""
    chips = sorted({i["id"] for i in row["items"] if i["label"] == "Chip"})
    parties = sorted({m["id"] for m in row["members"] if m["label"] == "Firm"}
                     | {i["id"] for i in row["items"] if i["label"] == "DataCenter"})
    out = []
    if chips:
        check.prefetch(parties)
    for chip in chips:
        for party in parties:
            view = check.view(chip, party)
            if view is not None and view.required is not False:
                out.append(view)
    return out


def _row(graph: Graph, row: dict[str, Any], tiers: dict[str, str], scen: Scenario,
         day: dt.date, threshold: float, max_hops: int,
         choke_cache: dict[str, Any], check: LicenseCheck) -> ConsortiumExposure:
    members = []
    for m in sorted(row["members"], key=lambda m: m["id"]):
        members.append(Member(
            member=EntityRef(id=m["id"], name=m["name"], label=m["label"]),
            country=m["country"], tier=tiers.get(m["country"]) if m["country"] else None,
            role=m["role"], stake=m["stake"]))
    by_country = Counter(m.country or "unknown" for m in members)
    by_tier = Counter(m.tier or "unknown" for m in members)
    stakes: dict[str, float] = defaultdict(float)
    for m in members:
        if m.stake is not None:
            stakes[m.country or "unknown"] += float(m.stake)
    listed = [ListedMember(member=EntityRef(id=m["id"], name=m["name"], label=m["label"]),
                           lists=[EntityRef(**cl) for cl in m["lists"]])
              for m in sorted(row["members"], key=lambda m: m["id"]) if m["lists"]]

    layers: dict[str, list[LayerItem]] = defaultdict(list)
    for it in row["items"]:
        countries = sorted({c for c in it["countries"] if c})
        layers[it["layer"]].append(LayerItem(
            item=EntityRef(id=it["id"], name=it["name"], label=it["label"] or "Entity"),
            countries=countries))
    layer_countries = {k: sorted({c for i in v for c in i.countries}) for k, v in layers.items()}
    known = [cs for cs in layer_countries.values() if cs]
    american = (sum(1 for cs in known if set(cs) == {"USA"}) / len(known)) if known else None

    chips = sorted({i["id"] for i in row["items"] if i["label"] == "Chip"})
    for it in row["items"]:  # read with the row: the license views need no item read
        if it["item"] is not None:
            check.know_item(it["item"])
    chokes: dict[str, ChokepointRef] = {}
    for chip in chips:
        if chip not in choke_cache:
            choke_cache[chip] = chokepoint_question(graph, target=chip, threshold=threshold,
                                                    as_of=day, structure=False,
                                                    limit=None, only_chokepoints=True)
        res = choke_cache[chip]
        for ic in res.inputs:
            if ic.chokepoint and ic.by_country.top:
                ref = chokes.setdefault(ic.input.id, ChokepointRef(
                    input=ic.input, country=ic.by_country.top.id,
                    share=ic.by_country.top_share or 0.0, chips=[]))
                ref.chips.append(chip)

    total = 0
    paths: list[DiversionPath] = []
    for dc in sorted({i["id"] for i in row["items"] if i["label"] == "DataCenter"}):
        res = diversion(graph, dc, scenario=scen, max_hops=max_hops, as_of=day,
                        limit=TOP_PATHS, check=check)
        total += res.total_paths
        paths.extend(res.paths)
    paths.sort(key=lambda p: (-p.score, p.length, [h.to_id for h in p.hops]))
    views = license_view(row, check)
    return ConsortiumExposure(
        id=row["id"], name=row["name"], kind=row["kind"], members=members,
        members_by_country=dict(sorted(by_country.items())),
        members_by_tier=dict(sorted(by_tier.items())),
        stakes_by_country={k: round(v, 9) for k, v in sorted(stakes.items())},
        listed_members=listed, layers=dict(sorted(layers.items())),
        layer_countries=dict(sorted(layer_countries.items())),
        american_share=round(american, 9) if american is not None else None,
        chokepoints=sorted(chokes.values(), key=lambda c: (-c.share, c.input.id)),
        diversion_paths=total, top_paths=paths[:TOP_PATHS],
        license_needed=[f"{v.party}|{v.item}|{v.policy}" for v in views if v.required],
        license_undetermined=[f"{v.party}|{v.item}|{v.policy}" for v in views
                              if v.required is None])


def exposure(graph: Graph, consortium: str | None = None,
             scenario: str | Path | Scenario | None = None,
             as_of: dt.date | str | None = None, threshold: float = 90.0,
             max_hops: int = 4) -> ExposureResult:
    """One exposure row per consortium (or for the one ``consortium``)."""
    check_threshold(threshold)
    check_hops(max_hops)
    day = as_of_date(as_of)
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    cid = None
    if consortium is not None:
        if not isinstance(consortium, str) or not consortium.strip():
            lookup(graph, consortium, ("Consortium",), what="consortium")  # raises: required
        cid = consortium.strip()
    check = LicenseCheck(graph, scen, day)
    tiers = check.tiers()
    rows = graph.read(cypher(__file__, "exposure"), {"id": cid, "as_of": day})
    if cid is not None and not rows:  # the look-up says why: unknown (suggestions), or
        lookup(graph, cid, ("Consortium",), what="consortium")  # not a consortium
    cache: dict[str, Any] = {}
    return ExposureResult(scenario=scen.id, as_of=day, consortia=[
        _row(graph, r, tiers, scen, day, threshold, max_hops, cache, check) for r in rows])
