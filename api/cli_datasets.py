"""``stackgraph datasets list|fetch|load``: the catalogue of public datasets
(ingest/catalogue.py, docs/datasets-catalogue.md)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import typer
from rich.table import Table

from api.cli_output import console, err_console, friendly, print_json

app = typer.Typer(help="The public datasets the graph can load: list them with their local "
                       "state, fetch them from their publishers, load them.",
                  no_args_is_help=True)


@app.command("list")
@friendly
def list_(dir_: Path | None = typer.Option(None, "--dir", help="look here first"),
          as_json: bool = typer.Option(False, "--json", help="print as JSON")) -> None:
    """Every catalogued dataset with its license and local state (verified: the tested
    snapshot; changed: other files; not present: fetch it)."""
    from ingest.catalogue import catalogue, local_state

    states = [local_state(d, dir_) for d in catalogue()]
    if as_json:
        print_json([s.as_dict() for s in states])
        return
    t = Table()
    t.add_column("name", no_wrap=True)
    for col in ("publisher", "license", "format"):
        t.add_column(col)
    t.add_column("state", no_wrap=True)
    t.add_column("where")
    for s in states:
        d = s.dataset
        where = str(s.folder) if s.folder else f"stackgraph datasets fetch {d.name}"
        colour = {"verified": "green", "changed": "yellow"}.get(s.status, "red")
        t.add_row(d.name, d.publisher, d.license + ("" if d.commercial_use else
                                                     " (non-commercial)"),
                  d.format, f"[{colour}]{s.status}[/]", where)
    console.print(t)


@app.command("fetch")
@friendly
def fetch_(name: str = typer.Argument(..., help="dataset name (stackgraph datasets list)"),
           accept_new: bool = typer.Option(False, "--accept-new",
                                           help="keep files that differ from the tested "
                                                "snapshot (the publisher updated them)")
           ) -> None:
    """Download a dataset from its publisher into .stackgraph/datasets/NAME and verify its
    checksums against the snapshot the importer was tested on."""
    from ingest.catalogue import dataset, fetch, local_state

    d = dataset(name)
    folder = fetch(d, accept_new=accept_new,
                   say=lambda m: err_console.print(m, highlight=False))
    state = local_state(d, folder.parent)
    console.print(f"{d.name}: {len(d.files)} file(s) in {folder} ({state.status}"
                  f"{': ' + ', '.join(state.changed) if state.changed else ''}); license "
                  f"{d.license}, attribute {d.publisher}")


@app.command("load")
@friendly
def load(names: list[str] = typer.Argument(None, help="datasets to load (default: every "
                                                       "catalogued dataset present)"),
         dir_: Path | None = typer.Option(None, "--dir", help="look for NAME/ here first"),
         snapshot: str | None = typer.Option(None, "--snapshot-date",
                                             help="day of the snapshot (YYYY-MM-DD): facts "
                                                  "it no longer has close on that day "
                                                  "(default: the catalogue's for the "
                                                  "tested files, else the fetch day)"),
         rejects_dir: Path = typer.Option(Path(".stackgraph/rejects"), "--rejects-dir",
                                          help="one NAME.jsonl of rejected records per "
                                               "dataset"),
         as_json: bool = typer.Option(False, "--json", help="print the results as JSON"),
         ) -> None:
    """Load datasets that are present (from --dir, $STACKGRAPH_DATASETS_DIR,
    .stackgraph/datasets/, then ../shared/data), each resolved into the graph's entities;
    facts an earlier snapshot had and this one lacks are closed, not deleted."""
    from graph.db import open_graph
    from ingest.dataset_load import load_datasets

    day = dt.date.fromisoformat(snapshot) if snapshot else None
    with open_graph() as graph:
        results = load_datasets(
            graph, names or None, dir_, rejects_dir=rejects_dir, day=day,
            progress=sys.stderr.isatty() and not as_json,
            on_result=None if as_json else (
                lambda r: console.print(r.line(), highlight=False, soft_wrap=True)))
        totals = graph.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    if as_json:
        print_json({"datasets": [r.as_dict() for r in results], "graph_nodes": totals})
    else:
        console.print(f"graph: {totals} nodes")
