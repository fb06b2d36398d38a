"""Consortium exposure for dashboards: one flat row per consortium as JSON and CSV.

The rows are the consortium-exposure question (``queries.exposure``) flattened into
stable columns (``COLUMNS``, documented in the README): maps such as members by country
become ``"ARE:2;USA:3"`` text so every cell is a scalar a spreadsheet can hold. Column
names only ever get added, never renamed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import GraphDep, Principal, SettingsDep
from api.graphql.context import in_thread
from api.graphql.questions import scenario_id
from graph.db import Graph, Kept

router = APIRouter()

#: The stable columns, in order, with what each holds.
COLUMNS: dict[str, str] = {
    "scenario": "policy scenario id the tiers come from",
    "as_of": "day the answer looks at (YYYY-MM-DD)",
    "consortium_id": "id of the Consortium node",
    "consortium_name": "its name",
    "kind": "program, export_package, joint_venture, alliance, investment_vehicle or "
            "partnership",
    "members": "number of members (firms and countries)",
    "member_countries": "number of distinct member countries",
    "members_by_country": "members per country, 'ISO3:n' joined by ';'",
    "members_trusted": "members from tier-1 (trusted) countries under the scenario",
    "members_between": "members from in-between countries",
    "members_concern": "members from destinations of concern",
    "members_unknown_tier": "members whose country is not recorded",
    "listed_members": "members on a control list",
    "listed_member_ids": "their ids, joined by ';'",
    "stakes_by_country": "reported stakes summed by member country, 'ISO3:0.5' joined by ';'",
    "layers": "number of stack layers the consortium includes",
    "layer_countries": "countries of origin per layer, 'layer:ISO3|ISO3' joined by ';'",
    "american_share": "share of layers whose every origin country is USA (0..1; empty: "
                      "no layers)",
    "chokepoints": "number of chokepoint inputs its chips depend on",
    "chokepoint_inputs": "those inputs as 'input-id:ISO3:share' joined by ';'",
    "diversion_paths": "diversion paths from its data centers under the scenario",
    "license_needed": "members and data centers that would need a license for the "
                      "consortium's chips under the scenario (count of parties)",
    "license_needed_ids": "those parties as 'party|chip|policy' joined by ';'",
    "license_undetermined": "parties the rules cannot decide from the graph (count)",
}


def _join_map(m: dict[str, Any]) -> str:
    return ";".join(f"{k}:{_num(v)}" for k, v in sorted(m.items()))


def _num(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def flatten(scenario: str, as_of: dt.date, c: Any) -> dict[str, Any]:
    """One consortium's exposure (``queries.models.ConsortiumExposure``) as a flat row."""
    tiers = dict(c.members_by_tier)
    return {
        "scenario": scenario,
        "as_of": as_of.isoformat(),
        "consortium_id": c.id,
        "consortium_name": c.name,
        "kind": c.kind or "",
        "members": len(c.members),
        "member_countries": len([k for k in c.members_by_country if k]),
        "members_by_country": _join_map(c.members_by_country),
        "members_trusted": int(tiers.get("trusted", 0)),
        "members_between": int(tiers.get("between", 0)),
        "members_concern": int(tiers.get("concern", 0)),
        "members_unknown_tier": int(tiers.get("unknown", 0)),
        "listed_members": len(c.listed_members),
        "listed_member_ids": ";".join(m.member.id for m in c.listed_members),
        "stakes_by_country": _join_map(c.stakes_by_country),
        "layers": len(c.layers),
        "layer_countries": ";".join(f"{layer}:{'|'.join(cs)}"
                                    for layer, cs in sorted(c.layer_countries.items())),
        "american_share": c.american_share,
        "chokepoints": len(c.chokepoints),
        "chokepoint_inputs": ";".join(f"{p.input.id}:{p.country}:{_num(p.share)}"
                                      for p in c.chokepoints),
        "diversion_paths": c.diversion_paths,
        "license_needed": len({x.split("|")[0] for x in c.license_needed}),
        "license_needed_ids": ";".join(c.license_needed),
        "license_undetermined": len({x.split("|")[0] for x in c.license_undetermined}),
    }


def exposure_rows(graph: Graph, scenario: str | None,
                  as_of: dt.date | None) -> tuple[str, dt.date, list[dict[str, Any]]]:
    """The rows of every consortium, kept per graph version, scenario file and day: a
    dashboard polls the same question, and it is the API's costliest answer (the exposure
    of every consortium; BENCHMARKS.md, "API under load"). Any write to the graph, or an
    edit of the scenario's file, computes it anew."""
    from queries.common import as_of_date
    from queries.scenarios import scenario_stamp
    from queries.summaries import graph_version

    day = as_of_date(as_of)
    key = (scenario_stamp(scenario), day, graph_version(graph))
    kept = graph.derived.setdefault("consortia_rows", Kept(8))
    return kept.get(key, lambda: _exposure_rows(graph, scenario, day))


def _exposure_rows(graph: Graph, scenario: str | None,
                   day: dt.date) -> tuple[str, dt.date, list[dict[str, Any]]]:
    from queries.exposure import exposure

    result = exposure(graph, scenario=scenario, as_of=day)
    rows = [flatten(result.scenario, result.as_of, c) for c in result.consortia]
    return result.scenario, result.as_of, rows


ScenarioQ = Annotated[str | None, Query(description="scenario id (default: the default "
                                                    "scenario)")]
AsOfQ = Annotated[dt.date | None, Query(description="day to look at, YYYY-MM-DD "
                                                    "(default: today)")]


@router.get("/exposure/consortia.json", summary="Consortium exposure, one row per consortium.")
async def consortia_json(graph: GraphDep, who: Principal, scenario: ScenarioQ = None,
                         as_of: AsOfQ = None) -> dict[str, Any]:
    scen, day, rows = await in_thread(exposure_rows, graph, scenario_id(scenario), as_of)
    return {"scenario": scen, "as_of": day.isoformat(), "columns": list(COLUMNS),
            "rows": rows}


@router.get("/exposure/consortia.csv", summary="Consortium exposure as CSV (same columns).",
            response_class=Response)
async def consortia_csv(graph: GraphDep, who: Principal, scenario: ScenarioQ = None,
                        as_of: AsOfQ = None) -> Response:
    _scen, _day, rows = await in_thread(exposure_rows, graph, scenario_id(scenario), as_of)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in COLUMNS})
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="consortia.csv"'})


@router.get("/exposure/scenarios.json", summary="The scenarios the dashboard can switch to.")
def scenarios_json() -> dict[str, Any]:
    from queries.scenarios import DEFAULT_SCENARIO, known_scenarios, load_scenario

    out = []
    for sid in known_scenarios():
        try:
            out.append({"id": sid, "name": load_scenario(sid).name})
        except Exception:  # noqa: BLE001 - a broken scenario file must not hide the others
            continue
    return {"default": DEFAULT_SCENARIO, "scenarios": out}


@router.get("/dashboard/config.json", summary="Links the dashboard page shows.")
def config_json(settings: SettingsDep) -> dict[str, Any]:
    return {"graphiql": "/graphql", "neo4j_browser": settings.browser_url,
            "keys_required": settings.keys_required, "columns": COLUMNS}

