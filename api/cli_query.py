"""``stackgraph query <question>``: the analytic questions from the command line.

One command per question of queries/ (diversion, stakes, chokepoints, exposure, paths);
a readable table by default, ``--json`` for the documented machine shape
(queries/README.md). Bad arguments exit 2 with the message and a hint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from pydantic import BaseModel
from rich.table import Table

from api.cli_output import console, friendly, print_json
from graph.db import Graph, open_graph
from graph.errors import BadArgument
from queries.common import MAX_HOPS, MIN_HOPS

app = typer.Typer(help="Ask the graph a question: diversion, stakes, chokepoints, exposure, "
                       "paths, license, compute, compare.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="print the answer as JSON (shape: queries/README.md)")
AS_OF = typer.Option(None, "--as-of", help="only facts that held on this day (YYYY-MM-DD); "
                                           "default today")
SCENARIO = typer.Option(None, "--scenario", help="policy scenario id (data/scenarios/) or the "
                                                 "path of a YAML file; default: 'default'")
#: the questions' own bound (queries/common.py). The API refuses more than
#: STACKGRAPH_API_MAX_HOPS (default 6): a guard for a shared server, not a second bound.
HOPS_HELP = f"longest path, {MIN_HOPS}..{MAX_HOPS}"


WIDE = typer.Option(False, "--wide", help="every column (the default table fits 80 columns)")


def table(*columns: str, wide: bool, extra: tuple[str, ...] = (), name_width: int = 16
          ) -> Table:
    """A table of ``columns``, plus ``extra`` ones with --wide. Cells wrap (never cut) so
    an 80-column terminal shows every value."""
    t = Table(*columns, *(extra if wide else ()))
    for col in t.columns:
        col.overflow = "fold"
    t.columns[0].min_width = name_width  # names in the first column stay whole words
    return t


def row(cells: tuple[str, ...], wide: bool, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    return cells + (extra if wide else ())


def checked_scenario(scenario: str | None) -> Any:
    """The scenario, read before anything else: a bad id or file is exit 2 with the known
    ids, whether or not Neo4j is up."""
    from queries.scenarios import load_scenario

    return load_scenario(scenario)


@contextmanager
def open_quiet_graph() -> Iterator[Graph]:
    """The configured graph, with Neo4j's query notifications silenced (they would print
    on the terminal between a command's lines)."""
    import logging

    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    graph = open_graph()
    try:
        yield graph
    finally:
        graph.close()


def emit(result: BaseModel, as_json: bool, table: Callable[[Any], None]) -> None:
    """A question's answer: JSON with ``--json``, else its table."""
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        table(result)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}"


def _bounds(b: Any) -> str:
    return f"{b.low:.2%}" if b.exact else f"{b.low:.2%} .. {b.high:.2%}"


def _hop_text(path: Any) -> str:
    parts = [path.hops[0].from_name] if path.hops else []
    for h in path.hops:
        arrow = f"-[{h.type}]->" if h.direction == "forward" else f"<-[{h.type}]-"
        parts.append(f"{arrow} {h.to_name}")
    return " ".join(parts)


# -- diversion ------------------------------------------------------------------------

@app.command("diversion")
@friendly
def diversion_cmd(
    source: str | None = typer.Option(None, "--from", help="chip, model, data center or firm id"),
    to: str | None = typer.Option(None, "--to", help="ISO3 country: list every item that "
                                                     "can reach it"),
    scenario: str | None = SCENARIO,
    max_hops: int = typer.Option(4, "--max-hops", help=HOPS_HELP),
    as_of: str | None = AS_OF,
    as_json: bool = JSON,
    wide: bool = WIDE,
) -> None:
    """Ranked paths from an item to destinations of concern (or, with --to, what reaches a
    country)."""
    from queries.diversion import diversion, diversion_to

    if (source is None) == (to is None):
        raise BadArgument("give exactly one of --from <item id> or --to <country>",
                          hint="e.g. --from chip:nvidia-h100-sxm, or --to CHN")
    scen = checked_scenario(scenario)
    with open_quiet_graph() as graph:
        if source is not None:
            emit(diversion(graph, source, scenario=scen, max_hops=max_hops, as_of=as_of),
                  as_json, lambda r: _diversion_table(r, wide))
        else:
            assert to is not None
            emit(diversion_to(graph, to, max_hops=max_hops, as_of=as_of, scenario=scen),
                  as_json, lambda r: _diversion_to_table(r, wide))


def _diversion_table(res: Any, wide: bool = False) -> None:
    console.print(f"[bold]Diversion risk from {res.origin.name}[/] ({res.origin.id}), scenario "
                  f"{res.scenario}, as of {res.as_of}, up to {res.max_hops} hops")
    if res.origin_reasons:
        console.print(f"[red]the origin itself is of concern:[/] {'; '.join(res.origin_reasons)}")
    if not res.paths:
        console.print("no path reaches a destination of concern within the bound "
                      f"({len(res.concern_countries)} countries of concern checked)")
        return
    t = table("score", "destination (why)", "path", wide=wide, extra=("hops",),
              name_width=0)
    for p in res.paths:
        t.add_row(*row((f"{p.score:.3f}", f"{p.destination.name} ({'; '.join(p.reasons)})",
                        _hop_text(p)), wide, (str(p.length),)))
    console.print(t)
    extra = " (search budget hit: more paths may exist)" if res.truncated else ""
    console.print(f"{len(res.paths)} of {res.total_paths} paths shown{extra}")


def _license_text(path: Any) -> str:
    """The license status along a path, shortest first: at risk (the policy of the first
    hop at risk), required but granted, not required, or '-' where no hop moves a known
    item (or the rules cannot speak of it)."""
    views = [h.license for h in path.hops if h.license is not None]
    risky = [v for v in views if v["at_risk"]]
    if risky:
        return f"at risk: {risky[0]['policy']}"
    if any(v["required"] for v in views):
        return "required, granted"
    return "not required" if views else "-"


def _diversion_to_table(res: Any, wide: bool = False) -> None:
    console.print(f"[bold]Items that can reach {res.country.name}[/] ({res.country.id}), as of "
                  f"{res.as_of}, up to {res.max_hops} hops")
    console.print(f"under scenario {res.scenario}, {res.country.id} is "
                  + ("[red]a destination of concern[/]" if res.of_concern else
                     f"not a destination of concern (tier {res.tier or 'unknown'})"))
    if not res.items:
        console.print("no item reaches it within the bound")
        return
    t = table("item", "score", "best path", "license", wide=wide, extra=("kind", "hops"))
    for it in res.items:
        t.add_row(*row((it.item.id, f"{it.score:.3f}", _hop_text(it.path),
                        _license_text(it.path)), wide, (it.item.label, str(it.length))))
    console.print(t)
    if res.truncated:
        console.print("(limit or search budget hit: more items may exist)")


# -- stakes ---------------------------------------------------------------------------

@app.command("stakes")
@friendly
def stakes_cmd(
    target: str | None = typer.Option(None, "--target", help="firm id, or 'american-stack'"),
    reverse: bool = typer.Option(False, "--reverse", help="American stakes in foreign firms "
                                                          "(all, or the one --target)"),
    as_of: str | None = AS_OF,
    as_json: bool = JSON,
    wide: bool = WIDE,
) -> None:
    """Effective stakes by owner and by country, foreign share, and the paths behind them."""
    from queries.stakes import AMERICAN_STACK, american_stack, reverse_stakes, stakes

    with open_quiet_graph() as graph:
        if reverse:
            emit(reverse_stakes(graph, target, as_of=as_of), as_json, _reverse_table)
        elif target is None:
            raise BadArgument("--target is required",
                              hint="a firm id (e.g. firm:openai) or 'american-stack'")
        elif target.strip() == AMERICAN_STACK:
            emit(american_stack(graph, as_of=as_of), as_json, _stack_table)
        else:
            emit(stakes(graph, target, as_of=as_of), as_json,
                  lambda r: _stakes_table(r, wide))


def _stakes_table(res: Any, wide: bool = False) -> None:
    console.print(f"[bold]Stakes in {res.target.name}[/] ({res.target.id}, "
                  f"{res.country or 'headquarters unknown'}), as of {res.as_of}: "
                  f"foreign share {_bounds(res.foreign_share)}")
    t = Table("country", "stake", "foreign", "owners")
    for c in res.by_country:
        t.add_row(c.country, _bounds(c.stake), "yes" if c.foreign else "no",
                  ", ".join(c.owners))
    console.print(t)
    t = table("owner", "country", "effective", "paths", wide=wide, extra=("residual",))
    for o in res.owners:
        t.add_row(*row((o.owner.name, o.country or "?", _bounds(o.effective),
                        "\n".join(_hop_text(p) for p in o.paths[:3])
                        + (f"\n(+{len(o.paths) - 3} more)" if len(o.paths) > 3 else "")),
                       wide, (_bounds(o.residual),)))
    console.print(t)


def _stack_table(res: Any) -> None:
    console.print(f"[bold]Foreign stakes in the American stack[/], as of {res.as_of}")
    t = Table("firm", "kinds", "foreign share", "by country")
    for r in res.firms:
        t.add_row(r.firm.name, ", ".join(r.kinds), _bounds(r.foreign_share),
                  ", ".join(f"{c.country} {_bounds(c.stake)}" for c in r.by_country))
    console.print(t)
    t = Table("country", "firms", "total (firm-equivalents)", "largest")
    for a in res.aggregate:
        t.add_row(a.country, str(a.firms), f"{a.total.low:.3f} .. {a.total.high:.3f}",
                  _bounds(a.max))
    console.print(t)


def _reverse_table(res: Any) -> None:
    console.print(f"[bold]American stakes in foreign firms[/], as of {res.as_of}")
    t = Table("firm", "country", "American share", "American owners")
    for r in res.firms:
        t.add_row(r.firm.name, r.country or "?", _bounds(r.american_share),
                  ", ".join(o.owner.name for o in r.owners))
    console.print(t)


# -- chokepoints ----------------------------------------------------------------------

@app.command("chokepoints")
@friendly
def chokepoints_cmd(
    target: str | None = typer.Option(None, "--target", help="chip or input id"),
    threshold: float = typer.Option(90.0, "--threshold", help="top country share (percent) "
                                                              "that makes a chokepoint"),
    remove: list[str] | None = typer.Option(None, "--remove", help="what-if: a country ISO3 "
                                            "or firm id to take out (repeatable)"),
    limit: int = typer.Option(100, "--limit", help="most inputs (largest top country "
                                                   "share first), chokepoints, dominators "
                                                   "and what-if rows listed (0: all; the "
                                                   "counts cover every one)"),
    as_of: str | None = AS_OF,
    as_json: bool = JSON,
    wide: bool = WIDE,
) -> None:
    """Concentration per input, a target's upstream chokepoints, what-if removals."""
    from queries.chokepoints import check_limit, check_remove, chokepoints

    check_remove(remove or [])
    check_limit(limit)
    with open_quiet_graph() as graph:
        emit(chokepoints(graph, target=target, threshold=threshold, remove=remove or None,
                          as_of=as_of, limit=limit or None), as_json,
              lambda r: _chokepoints_table(r, wide))


def _unattributed(by_country: Any, by_firm: Any) -> str:
    """'various countries 64%; EUR 12%; various firms 5%' (empty when none)."""
    parts = [f"various countries {_pct(by_country.unattributed_share)}%"
             if by_country.unattributed_share is not None else "",
             *(f"{r.id} {_pct(r.share)}%" for r in by_country.regions),
             f"various firms {_pct(by_firm.unattributed_share)}%"
             if by_firm.unattributed_share is not None else ""]
    return "; ".join(p for p in parts if p)


def _chokepoints_table(res: Any, wide: bool = False) -> None:
    if res.what_if and not res.target and not wide:
        # what-if alone: the concentration of every input is `chokepoints` itself
        _what_if_table(res.what_if, wide)
        return
    where = f" upstream of {res.target.name} ({res.target.id})" if res.target else ""
    console.print(f"[bold]Supply concentration{where}[/], as of {res.as_of}; chokepoint: top "
                  f"country share >= {res.threshold:g}%")
    t = table("input", "top country", "%", "HHI", "n", "chokepoint", wide=wide,
              extra=("top firm", "%", "HHI", "n", "unattributed"))
    for i in res.inputs:
        c, f = i.by_country, i.by_firm
        t.add_row(*row((i.input.name, c.top.id if c.top else "-", _pct(c.top_share),
                        f"{c.hhi:.0f}", str(c.provider_count),
                        "[red]yes[/]" if i.chokepoint else ""), wide,
                       (f.top.name if f.top else "-", _pct(f.top_share), f"{f.hhi:.0f}",
                        str(f.provider_count), _unattributed(c, f))))
    console.print(t)
    console.print(f"{res.inputs_total} inputs, {res.chokepoints_total} chokepoints"
                  + (f"; {res.inputs_not_listed} inputs not listed (--limit "
                     f"{res.limit}; 0 lists all)" if res.inputs_not_listed else ""))
    if wide:
        console.print("unattributed: shares the data gives to no single provider (various "
                      "countries / various firms) or to a region (EUR = Europe as a whole)")
    if res.dominators:
        console.print("dominators (every dependency path through them): " + "; ".join(
            f"{d.node.name} ({len(d.dominates)})" for d in res.dominators[:10])
            + (f" ({res.dominators_total} in all)"
               if res.dominators_total > min(10, len(res.dominators)) else ""))
    if res.betweenness:
        console.print("betweenness: " + "; ".join(
            f"{b.node.name} {b.value:.3f}" for b in res.betweenness))
    if res.what_if:
        _what_if_table(res.what_if, wide)


def _what_if_table(w: Any, wide: bool) -> None:
    console.print(f"[bold]What if[/] {', '.join(r.name for r in w.removed)} were removed:")
    t = table("input", "% of world supply lost", "remaining %", "all lost", wide=wide,
              extra=("% lost among firms",))
    for x in w.inputs:
        t.add_row(*row((x.input.name, _pct(x.share_lost), _pct(x.remaining_share),
                        "[red]yes[/]" if x.all_supply_lost else ""), wide,
                       (_pct(x.firm_share_lost),)))
    console.print(t)
    console.print(f"{w.inputs_affected} inputs lose supply ({w.inputs_all_lost} lose "
                  f"every provider; {w.share_lost_total:g} percentage points in all)"
                  + (f"; {w.inputs_not_listed} more not listed" if w.inputs_not_listed
                     else ""))
    if w.targets_cut_off:
        console.print(f"{w.targets_affected} targets lose all supply of an input: "
                      + ", ".join(f"{c.target.name} ({', '.join(c.inputs_lost)})"
                                  for c in w.targets_cut_off)
                      + (f"; {w.targets_not_listed} more not listed"
                         if w.targets_not_listed else ""))
    elif w.targets_affected:
        console.print(f"{w.targets_affected} targets lose all supply of an input "
                      "(not listed)")
    else:
        console.print("no target loses all supply of any input")


# -- exposure -------------------------------------------------------------------------

@app.command("exposure")
@friendly
def exposure_cmd(
    consortium: str | None = typer.Option(None, "--consortium", help="consortium id; "
                                                                      "default: all"),
    scenario: str | None = SCENARIO,
    as_of: str | None = AS_OF,
    as_json: bool = JSON,
    wide: bool = WIDE,
) -> None:
    """One exposure row per consortium (members, stakes, stack, chokepoints, diversion)."""
    from queries.exposure import exposure

    scen = checked_scenario(scenario)
    with open_quiet_graph() as graph:
        emit(exposure(graph, consortium, scenario=scen, as_of=as_of), as_json,
              lambda r: _exposure_table(r, wide))


def _exposure_table(res: Any, wide: bool = False) -> None:
    console.print(f"[bold]Consortium exposure[/], scenario {res.scenario}, as of {res.as_of}")
    t = table("consortium", "members by country", "US share", "choke-\npoints",
              "diversion\npaths", wide=wide,
              extra=("by tier", "stakes by country", "listed", "layers (countries)"))
    for r in res.consortia:
        chokes = ", ".join(f"{c.input.name} ({c.country} {c.share:.0f}%)"
                           for c in r.chokepoints[:4]) if wide else str(len(r.chokepoints))
        t.add_row(*row((
            f"{r.name}\n{r.id}" if wide else r.name,
            ", ".join(f"{k} {v}" for k, v in r.members_by_country.items()),
            "-" if r.american_share is None else f"{r.american_share:.0%}",
            chokes, str(r.diversion_paths)), wide, (
            ", ".join(f"{k} {v}" for k, v in r.members_by_tier.items()),
            ", ".join(f"{k} {v:.0%}" for k, v in r.stakes_by_country.items()),
            ", ".join(m.member.name for m in r.listed_members),
            "\n".join(f"{k}: {', '.join(v) or '?'}" for k, v in r.layer_countries.items()))))
    console.print(t)


# -- paths ----------------------------------------------------------------------------

@app.command("paths")
@friendly
def paths_cmd(
    source: str = typer.Option(..., "--from", help="entity id"),
    target: str = typer.Option(..., "--to", help="entity id"),
    types: list[str] | None = typer.Option(None, "--types", help="relationship types to "
                                           "follow (repeatable or comma-separated)"),
    max_hops: int = typer.Option(4, "--max-hops", help=HOPS_HELP),
    all_paths: bool = typer.Option(False, "--all", help="all simple paths, not only the "
                                                        "shortest"),
    as_json: bool = JSON,
) -> None:
    """Shortest (or all simple) paths between two entities."""
    from queries.paths import paths

    with open_quiet_graph() as graph:
        emit(paths(graph, source, target, types=types, max_hops=max_hops,
                    all_paths=all_paths), as_json, _paths_table)


def _paths_table(res: Any) -> None:
    console.print(f"[bold]{res.mode.title()} paths[/] {res.source.name} -> {res.target.name}"
                  f" (up to {res.max_hops} hops"
                  + (f", types {', '.join(res.types)}" if res.types else "") + ")")
    if not res.paths:
        console.print("no path within the bound")
        return
    t = Table("#", "hops", "path")
    for i, p in enumerate(res.paths, 1):
        t.add_row(str(i), str(p.length), _hop_text(p))
    console.print(t)


# the policy engine's questions (license, compute, compare) register on this group
from api import cli_policy  # noqa: E402,F401
