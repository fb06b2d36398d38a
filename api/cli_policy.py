"""``stackgraph query license | compute | compare``: the policy engine's questions.

Registered on the ``query`` command group (api/cli_query.py); the same readable-table /
``--json`` convention as the other questions.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from api.cli import console, friendly
from api.cli_query import AS_OF, JSON, app, emit, open_quiet_graph
from graph.errors import BadArgument

POLICY_SCENARIO = typer.Option("current", "--scenario",
                               help="scenario id (data/scenarios/) or the path of a YAML "
                                    "file; default: 'current' (the US rules in force)")


@app.command("license")
@friendly
def license_cmd(
    item: str = typer.Option(..., "--item", help="chip or model id, e.g. chip:nvidia-h100-sxm"),
    to: str = typer.Option(..., "--to", help="country (ISO3), firm id or data center id"),
    scenario: str = POLICY_SCENARIO,
    as_of: str | None = AS_OF,
    as_json: bool = JSON,
) -> None:
    """Does ITEM need a US export license to reach TO? Every rule that applied, with why,
    and the rules that did not apply because of their dates."""
    from queries.license import license

    with open_quiet_graph() as graph:
        emit(license(graph, item, to, scenario=scenario, as_of=as_of), as_json,
              _license_table)


def _yes(required: bool | None) -> str:
    return {True: "[bold red]yes[/]", False: "[green]no[/]", None: "[yellow]undetermined[/]"}[
        required]


def _license_table(res: Any) -> None:
    dest = res.destination or "unknown"
    groups = ", ".join(res.destination_groups) or "none"
    console.print(f"[bold]{res.item.name}[/] -> [bold]{res.to.name}[/] ({res.to.id}; "
                  f"destination {dest}, groups {groups}, tier {res.tier or '?'}) under "
                  f"{res.scenario}, as of {res.as_of}")
    console.print(f"license required: {_yes(res.required)} — {res.policy}")
    if res.item_classes:
        console.print("item classes: " + ", ".join(res.item_classes))
    for title, rows in (("applied", res.applied), ("undetermined", res.undetermined),
                        ("not applied", res.not_applied),
                        ("not in force on that day", res.not_in_force)):
        if not rows:
            continue
        t = Table("rule", "kind", "why", "outcome", "sources", title=title, title_justify="left")
        for f in rows:
            why = "\n".join(f.why)
            for chain in f.ownership or []:
                hops = " -> ".join(f"{h.from_id} ({_share(h)})" for h in chain.hops)
                why += f"\n  {hops} -> {chain.hops[-1].to_id}"
            cites = "; ".join(s.get("citation") or s.get("title", "")[:40] for s in f.sources)
            t.add_row(f.rule, f.kind, why, f.outcome or f.item_class or "", cites)
        console.print(t)


def _share(hop: Any) -> str:
    s = hop.properties.get("share")
    return f"{s:.0%}" if isinstance(s, (int, float)) else "share unknown"


@app.command("compute")
@friendly
def compute_cmd(
    scenario: str = POLICY_SCENARIO,
    as_of: str | None = AS_OF,
    country: str | None = typer.Option(None, "--country", help="one country (ISO3)"),
    as_json: bool = JSON,
) -> None:
    """AI compute per country (H100 equivalents of operational data centers), with the
    country's tier and cap under the scenario, what exceeds it, and planned capacity."""
    from queries.compute import compute_by_country

    with open_quiet_graph() as graph:
        emit(compute_by_country(graph, scenario=scenario, as_of=as_of, country=country),
              as_json, _compute_table)


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def _compute_table(res: Any) -> None:
    console.print(f"[bold]AI compute by country[/] under {res.scenario}, as of {res.as_of} "
                  "(H100 equivalents)")
    t = Table("country", "tier", "operational", "planned", "data centers", "cap", "exceeds")
    for r in res.countries:
        t.add_row(r.country, r.tier, _num(r.operational), _num(r.planned),
                  f"{r.operational_count} + {r.planned_count} planned"
                  + (f" ({r.unknown_count} without figure)" if r.unknown_count else ""),
                  _num(r.cap), r.exceeds or "")
    console.print(t)


@app.command("compare")
@friendly
def compare_cmd(
    scenarios: str = typer.Option(..., "--scenarios", help="comma-separated scenario ids "
                                                           "or paths, e.g. current,"
                                                           "ai-diffusion-2025"),
    item: str | None = typer.Option(None, "--item", help="chip or model id (default: the "
                                                         "H100 SXM)"),
    as_of: str | None = AS_OF,
    as_json: bool = JSON,
) -> None:
    """Scenarios side by side: countries per tier, the item's policy per destination
    group, compute in countries that would need licenses, consortia that change status."""
    from queries.compare import compare_scenarios

    names = [s.strip() for s in scenarios.split(",") if s.strip()]
    if not names:
        raise BadArgument("--scenarios is empty", hint="e.g. --scenarios current,default")
    with open_quiet_graph() as graph:
        emit(compare_scenarios(graph, names, item=item, as_of=as_of), as_json,
              _compare_table)


def _compare_table(res: Any) -> None:
    console.print(f"[bold]Scenarios compared[/] for {res.item.name}, as of {res.as_of}")
    t = Table("scenario", "trusted", "between", "concern", "policy by tier",
              "compute needing a license (operational / planned)", "consortia changing")
    for s in res.scenarios:
        pol = "\n".join(f"{k}: {v}" for k, v in s.policy_by_tier.items())
        t.add_row(s.scenario, str(s.countries_per_tier.get("trusted", 0)),
                  str(s.countries_per_tier.get("between", 0)),
                  str(s.countries_per_tier.get("concern", 0)), pol,
                  f"{_num(s.compute_needing_license)} / {_num(s.planned_needing_license)}",
                  ", ".join(c.consortium for c in s.consortia_changed) or "-")
    console.print(t)
