"""AI compute by country under a scenario (issue 18): H100 equivalents of the data centers
operational on the day, per country, with the country's tier and cap under the scenario
and what exceeds it; planned capacity (planned or under construction) beside it.

A data center's status and H100 equivalents are read as of the day (dated values, DESIGN.md
§4: the entry in force, else the plain property). A data center without an H100-equivalent
figure is counted (``unknown_count``), never given a number. Every data center is one
cluster in the graph, so nothing is counted twice; a cluster and its upgrade recorded as
two data centers would be (the data does not record upgrades as such today).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

from graph.dated import value_as_of
from graph.db import Graph, cypher
from graph.errors import BadArgument
from queries.common import as_of_date
from queries.countries import country_groups
from queries.models import ComputeDataCenter, ComputeResult, ComputeRow
from queries.policy_rules import Rule
from queries.scenarios import Scenario, load_scenario

PLANNED = ("planned", "under_construction")


def _as_of(plain: Any, entries: list[dict[str, Any]], prop: str, day: dt.date) -> Any:
    """The dated-values contract (graph/dated.py): the history's entry in force, else the
    plain property when the node keeps no history for ``prop``."""
    mine = [e for e in entries if e["property"] == prop]
    return value_as_of(mine, day) if mine else plain


def caps_for(scen: Scenario, country: str, groups: list[str], tier: str,
             day: dt.date) -> list[Rule]:
    """Cap rules of the scenario in force on ``day`` that cover ``country``."""
    out = []
    for rule in scen.rules.of_kind("cap"):
        if not rule.in_force(day)[0] or country in rule.except_countries:
            continue
        if rule.everywhere or country in rule.countries or set(groups) & rule.groups \
                or tier in rule.tiers:
            out.append(rule)
    return out


def data_centers(graph: Graph, day: dt.date) -> list[ComputeDataCenter]:
    out = []
    for r in graph.read(cypher(__file__, "compute"), {"as_of": day}):
        status = _as_of(r["status"], r["entries"], "status", day)
        h100 = _as_of(r["h100"], r["entries"], "h100_equivalents", day)
        out.append(ComputeDataCenter(id=r["id"], name=r["name"], country=r["country"],
                                     status=status,
                                     h100_equivalents=float(h100) if h100 is not None
                                     else None))
    return out


def compute_by_country(graph: Graph, scenario: str | Path | Scenario | None = "current",
                       as_of: dt.date | str | None = None,
                       country: str | None = None) -> ComputeResult:
    day = as_of_date(as_of)
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario or "current")
    dcs = data_centers(graph, day)
    by: dict[str, list[ComputeDataCenter]] = defaultdict(list)
    for d in dcs:
        if d.country:
            by[d.country].append(d)
    if country is not None:
        code = country.strip().upper()
        if not code or not (len(code) == 3 and code.isalpha()):
            raise BadArgument(f"malformed country {country!r}", hint="an ISO3 code, e.g. SAU")
        by = {code: by.get(code, [])}
    groups = country_groups(graph, sorted(by), day) if by else {}
    rows = []
    for c, items in sorted(by.items()):
        g = groups.get(c, [])
        tier = scen.tier(c, g)
        op = [d for d in items if d.status == "operational"]
        pl = [d for d in items if d.status in PLANNED]
        operational = sum(d.h100_equivalents or 0.0 for d in op)
        planned = sum(d.h100_equivalents or 0.0 for d in pl)
        caps = caps_for(scen, c, g, tier, day)
        cap = min((r.amount for r in caps if r.amount is not None), default=None)
        exceeds = None
        if cap is not None:
            if operational > cap:
                exceeds = f"operational {operational:,.0f} > cap {cap:,.0f}"
            elif operational + planned > cap:
                exceeds = f"operational + planned {operational + planned:,.0f} > cap {cap:,.0f}"
        rows.append(ComputeRow(
            country=c, tier=tier, groups=g, operational=operational, planned=planned,
            operational_count=len(op), planned_count=len(pl),
            unknown_count=sum(1 for d in op + pl if d.h100_equivalents is None),
            cap=cap, cap_rules=[r.id for r in caps],
            low_volume=min((r.low_volume for r in caps if r.low_volume), default=None),
            exceeds=exceeds, data_centers=sorted(op + pl, key=lambda d: d.id)))
    rows.sort(key=lambda r: (-r.operational, -r.planned, r.country))
    return ComputeResult(scenario=scen.id, as_of=day, countries=rows,
                         total_operational=sum(r.operational for r in rows),
                         total_planned=sum(r.planned for r in rows))
