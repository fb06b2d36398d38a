"""Scenarios side by side (issue 18; the table the seed-004 debate needs).

Per scenario: countries per tier; for one item (default: the H100 SXM) the policy in every
country (destination rules, as of the day) grouped by tier; compute (operational and
planned H100 equivalents, queries/compute.py) in the countries that would need a license;
and the consortia whose members or data centers change license status against the first
scenario (a member: its headquarters country and its listings; a data center: where it is).
All rules are evaluated by queries/license.py's ``evaluate``, without a query per country.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graph.db import Graph, cypher
from graph.errors import BadArgument
from queries.common import as_of_date
from queries.compute import data_centers
from queries.countries import country_groups
from queries.license import EndUser, Party, evaluate, load_item
from queries.models import CompareResult, ConsortiumChange, ScenarioColumn
from queries.scenarios import TIERS, Scenario, load_scenario

DEFAULT_ITEM = "chip:nvidia-h100-sxm"
MAX_SCENARIOS = 12
PLANNED = ("planned", "under_construction")


def _consortia(graph: Graph, day: dt.date) -> list[dict[str, Any]]:
    return graph.read(cypher(__file__, "exposure"), {"id": None, "as_of": day})


def compare_scenarios(graph: Graph, scenarios: Sequence[str | Path | Scenario],
                      item: str | None = None,
                      as_of: dt.date | str | None = None) -> CompareResult:
    if not scenarios:
        raise BadArgument("no scenario to compare", hint="e.g. current,ai-diffusion-2025")
    if len(scenarios) > MAX_SCENARIOS:
        raise BadArgument(f"too many scenarios ({len(scenarios)})",
                          hint=f"compare at most {MAX_SCENARIOS}")
    day = as_of_date(as_of)
    scens = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    ref, kind, props = load_item(graph, item or DEFAULT_ITEM, day)
    ids = [r["iso3"] for r in graph.read(cypher(__file__, "countries"), plain=True)[0][
        "countries"]]
    groups = country_groups(graph, ids, day)
    dcs = data_centers(graph, day)
    op: dict[str, float] = defaultdict(float)
    pl: dict[str, float] = defaultdict(float)
    for d in dcs:
        if d.country and d.h100_equivalents:
            if d.status == "operational":
                op[d.country] += d.h100_equivalents
            elif d.status in PLANNED:
                pl[d.country] += d.h100_equivalents
    consortia = _consortia(graph, day)

    def look(c: str | None) -> list[str]:
        return groups.get(c or "", [])

    columns: list[ScenarioColumn] = []
    baseline: dict[str, list[str]] | None = None
    for scen in scens:
        tiers = {c: scen.tier(c, look(c)) for c in ids}
        policy: dict[str, str] = {}
        required: dict[str, bool | None] = {}
        for c in ids:
            ev = evaluate(scen, ref.id, kind, props,
                          Party(id=c, name=c, label="Country", country=c, users=[]), day, look)
            policy[c], required[c] = ev.policy, ev.required
        by_tier: dict[str, Counter[str]] = defaultdict(Counter)
        for c in ids:
            by_tier[tiers[c]][policy[c]] += 1
        needing = sorted(c for c in ids if required[c])
        status: dict[str, list[str]] = {}
        for k in consortia:
            hits = []
            for m in k["members"]:
                user = EndUser(id=m["id"], name=m["name"], country=m["country"],
                               lists=m["lists"], parents=[])
                party = Party(id=m["id"], name=m["name"], label=m["label"],
                              country=m["country"],
                              users=[user] if m["label"] == "Firm" else [])
                if evaluate(scen, ref.id, kind, props, party, day, look).required:
                    hits.append(m["id"])
            for it in k["items"]:
                if it["label"] == "DataCenter" and it["countries"] and \
                        required.get(it["countries"][0]):
                    hits.append(it["id"])
            status[k["id"]] = sorted(set(hits))
        names = {k["id"]: k["name"] for k in consortia}
        changed = [] if baseline is None else [
            ConsortiumChange(consortium=kid, name=names[kid], needing_license=v,
                             baseline=baseline.get(kid, []))
            for kid, v in sorted(status.items()) if v != baseline.get(kid, [])]
        if baseline is None:
            baseline = status
        columns.append(ScenarioColumn(
            scenario=scen.id, name=scen.name, proposal=scen.proposal,
            our_reading=scen.our_reading,
            countries_per_tier={t: sum(1 for c in ids if tiers[c] == t) for t in TIERS},
            tiers={t: sorted(c for c in ids if tiers[c] == t) for t in TIERS if t != "between"},
            policy_by_tier={t: "; ".join(f"{p} ({n})" for p, n in sorted(
                by_tier[t].items(), key=lambda kv: (-kv[1], kv[0]))) for t in TIERS
                if by_tier[t]},
            policy_by_country=policy, countries_needing_license=needing,
            compute_needing_license=sum(op[c] for c in needing),
            planned_needing_license=sum(pl[c] for c in needing),
            consortia_changed=changed))
    return CompareResult(item=ref, as_of=day, scenarios=columns)
