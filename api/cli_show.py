"""``stackgraph show <id>``: everything known about one entity, as a page in the terminal
or ``--json`` (the ``EntityReport`` of queries/show.py, the same the /entity page shows)."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from api.cli_output import console, friendly, print_json

#: relationships listed per group on the terminal page (``--all`` lists every one)
SHOWN_PER_GROUP = 12


def _value(v: Any) -> str:
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _dates(since: str | None, until: str | None) -> str:
    if not since and not until:
        return ""
    return f"{since or '…'} .. {until or 'now'}"


def _refs(ids: list[str]) -> str:
    return ", ".join(ids)


def _share(x: float | None) -> str:
    return "share not reported" if x is None else f"{x:.1%}"


def render(rep: Any, show_all: bool = False) -> None:
    """The report as a terminal page: readable at 80 columns (tables wrap their cells)."""
    e = rep.entity
    console.print(f"[bold]{escape(e.name)}[/]  {escape(e.id)}  ({', '.join(rep.labels)})",
                  highlight=False)
    if rep.confidence or rep.sources:
        console.print(f"confidence {rep.confidence or '-'}; sources: "
                      f"{escape(_refs(rep.sources)) or '-'}", highlight=False)
    if rep.properties:
        t = Table("property", "value", title="Properties", title_justify="left",
                  show_edge=False, expand=False)
        t.columns[-1].overflow = "fold"
        for k, v in rep.properties.items():
            t.add_row(k, escape(_value(v)))
        console.print(t)
    if rep.dated:
        t = Table("property", "value", "from .. to", "conf.", "sources",
                  title="Dated values (history)", title_justify="left", show_edge=False)
        t.columns[-1].overflow = "fold"
        for d in rep.dated:
            t.add_row(d.property, escape(_value(d.value)), _dates(d.since, d.until),
                      d.confidence or "", escape(_refs(d.sources)))
        console.print(t)
    if rep.listings:
        console.print("[bold]Listed on[/]")
        for li in rep.listings:
            extra = "; ".join(f"{k}: {_value(v)}" for k, v in li.properties.items())
            console.print(f"  {escape(li.control_list.name)} ({li.control_list.id})"
                          + (f" — {escape(extra)}" if extra else "")
                          + (f"  [{escape(_refs(li.sources))}]" if li.sources else ""),
                          highlight=False)
    for title, chains in (("Owners (ownership up)", rep.owners),
                          ("Holdings (ownership down)", rep.holdings)):
        if not chains:
            continue
        console.print(f"[bold]{title}[/]")
        for c in chains:
            text = escape(c.hops[0].owner.name)
            for h in c.hops:
                text += escape(f" -[{_share(h.share)}]-> ") + escape(h.owned.name)
            console.print(f"  {text}   (effective {_share(c.share)})", highlight=False)
    console.print("[bold]Relationships[/]")
    if not rep.relationships:
        console.print("  none")
    for g in rep.relationships:
        arrow = f"-[{g.type}]->" if g.direction == "out" else f"<-[{g.type}]-"
        console.print(f"[bold]{escape(arrow)}[/] ({g.count})", highlight=False)
        # a grid, not a table: each fact on its own lines, wrapped under its indent
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=3)
        grid.add_column(overflow="fold")
        rels = g.relationships if show_all else g.relationships[:SHOWN_PER_GROUP]
        for r in rels:
            grid.add_row(" •", f"{escape(r.other.name)}  [dim]{escape(r.other.id)}[/]")
            props = "; ".join(f"{k}: {_value(v)}" for k, v in r.properties.items())
            if props:
                grid.add_row("", escape(props))
            about = [x for x in (_dates(r.since, r.until),
                                 f"confidence {r.confidence}" if r.confidence else "",
                                 _refs(r.sources)) if x]
            if about:
                grid.add_row("", f"[dim]{escape(' · '.join(about))}[/]")
        console.print(grid, highlight=False)
        if len(rels) < g.count:
            console.print(f"   ... {g.count - len(rels)} more (--all lists every one)")
    console.print(f"[bold]Sources[/] ({len(rep.cited)})")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3)
    grid.add_column(overflow="fold")
    for s in rep.cited:
        bits = [b for b in (s.publisher, s.title, s.published, s.url) if b]
        line = escape(" — ".join(bits)) or "(not in the graph)"
        grid.add_row(" •", f"{escape(s.id)}\n[dim]{line}[/]")
    console.print(grid, highlight=False)


def register(app: typer.Typer) -> None:
    @app.command("show")
    @friendly
    def show_cmd(
        node_id: str = typer.Argument(..., metavar="ID", help="entity id, e.g. firm:g42, "
                                      "chip:nvidia-h100-sxm, model:..., dc:..., or USA"),
        show_all: bool = typer.Option(False, "--all", help=f"list every relationship "
                                      f"(the page lists {SHOWN_PER_GROUP} per type)"),
        as_json: bool = typer.Option(False, "--json", help="print the record as JSON"),
    ) -> None:
        """Everything known about one entity: properties with their dates, relationships by
        type with the other end, listings, ownership up and down, and every source."""
        from api.cli_query import open_quiet_graph
        from queries.show import show

        with open_quiet_graph() as graph:
            rep = show(graph, node_id)
        if as_json:
            print_json(rep.model_dump(mode="json"))
        else:
            render(rep, show_all)
