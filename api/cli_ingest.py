"""``stackgraph ingest`` and ``stackgraph export``: the data steward's commands."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TextIO, cast

import typer
from rich.table import Table

from api.cli_output import console, err_console, friendly, print_json
from ingest.loader import DEFAULT_BATCH, LoadSummary
from ingest.records import Rejection

SHOWN_REJECTIONS = 10


class OutputClosed(Exception):
    """Standard output's reader went away. Not an OSError on purpose: the graph layer
    reads an OSError raised inside a transaction as "cannot reach Neo4j"."""


class _PipeOut:
    """A text stream whose writes turn a closed pipe into ``OutputClosed``."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, text: str) -> int:
        try:
            return self.out.write(text)
        except BrokenPipeError:
            raise OutputClosed() from None


def write_rejects(path: Path, rejections: list[Rejection]) -> None:
    """One JSON object per line: file, line, field, message, record (and severity)."""
    with path.open("w", encoding="utf-8") as fh:
        for r in rejections:
            fh.write(json.dumps(r.as_dict(), ensure_ascii=False, default=str) + "\n")


def summary_table(summary: LoadSummary) -> Table:
    cols = ("valid", "rejected") if summary.dry_run or summary.aborted else (
        "created", "updated", "unchanged", "rejected")
    table = Table(title="dry run: nothing written" if summary.dry_run else
                  "aborted (--strict): nothing written" if summary.aborted else "loaded")
    table.add_column("label / type")
    for c in cols:
        table.add_column(c, justify="right")
    for kind, rows in (("node", summary.nodes), ("rel", summary.rels)):
        for name in sorted(rows):
            d = rows[name].as_dict()
            d.setdefault("valid", 0)
            table.add_row(name if kind == "node" else f"-[{name}]->", *(str(d[c]) for c in cols))
    return table


def register(app: typer.Typer) -> None:
    """Add the ingest and export commands to the main app."""

    @app.command("ingest")
    @friendly
    def ingest(
        paths: list[Path] = typer.Argument(..., help="files or folders to load"),
        fmt: str | None = typer.Option(None, "--format",
                                       help="curated | eto | epoch | epoch-hardware | "
                                            "epoch-clusters | epoch-datacenters | "
                                            "epoch-chip-counts | dod-1260h | bis-mieu | "
                                            "apoc-json (detected from each path when "
                                            "omitted; see docs/datasets.md)"),
        dry_run: bool = typer.Option(False, "--dry-run",
                                     help="validate and report; write nothing"),
        batch_size: int = typer.Option(DEFAULT_BATCH, "--batch-size", min=1,
                                       help="records per transaction"),
        strict: bool = typer.Option(False, "--strict",
                                    help="any rejection fails the run before anything is "
                                         "written"),
        rejects: Path = typer.Option(Path("rejects.jsonl"), "--rejects",
                                     help="where rejected records go (JSON lines)"),
        as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    ) -> None:
        """Validate files against the schema and load them into Neo4j, idempotently."""
        from graph.db import open_graph
        from graph.errors import Neo4jUnavailable
        from ingest.formats import build_source
        from ingest.loader import load_runtime
        from ingest.pipeline import run_load

        # this process exists to load: the interpreter tuned for it (ingest.loader)
        with open_graph() as graph, load_runtime():
            source = build_source(paths, fmt, graph)
            try:
                summary = run_load(graph, source, batch_size=batch_size, dry_run=dry_run,
                                   strict=strict,
                                   progress=sys.stderr.isatty() and not as_json)
            except Neo4jUnavailable as exc:
                raise Neo4jUnavailable(
                    f"Neo4j went away during the load: {exc.message}. The batches it "
                    "committed are kept; none is half-written (each is one transaction)",
                    hint=f"{exc.hint or 'bring Neo4j back'}; then run the same "
                         "`stackgraph ingest` command again: loads are idempotent (MERGE "
                         "on ids), so the re-run completes the graph and duplicates "
                         "nothing") from exc
        if summary.rejections or rejects.exists():  # never leave a stale rejects file
            write_rejects(rejects, summary.rejections)
        errors, warnings = summary.errors, summary.warnings
        if as_json:
            out = summary.as_dict()
            out["rejects_file"] = str(rejects) if rejects.exists() else None
            out["first_rejections"] = [r.as_dict() for r in summary.rejections[:SHOWN_REJECTIONS]]
            print_json(out)
        else:
            console.print(summary_table(summary))
            for r in summary.rejections[:SHOWN_REJECTIONS]:
                tag = "[red]rejected[/]" if r.severity == "error" else "[yellow]warning[/]"
                err_console.print(f"{tag} {r}", highlight=False, soft_wrap=True)
            if summary.rejections:
                more = len(summary.rejections) - SHOWN_REJECTIONS
                err_console.print(f"{len(errors)} rejected, {len(warnings)} warning(s)"
                                  f"{f' ({more} more not shown)' if more > 0 else ''}; "
                                  f"all in {rejects}", highlight=False)
        if summary.aborted:
            if not as_json:
                err_console.print("[bold red]error:[/] --strict: nothing was written because "
                                  f"{len(errors)} record(s) were rejected", highlight=False)
            raise typer.Exit(1)

    @app.command("export")
    @friendly
    def export(
        path: Path = typer.Argument(..., help="file to write ('-' for standard output)"),
        fmt: str = typer.Option("apoc-json", "--format", help="apoc-json (JSON lines)"),
        as_json: bool = typer.Option(False, "--json", help="print the counts as JSON"),
    ) -> None:
        """Write the whole graph as APOC JSON lines (streaming)."""
        from graph.db import open_graph
        from graph.errors import BadArgument
        from ingest.apoc import export_graph

        if fmt != "apoc-json":
            raise BadArgument(f"unknown export format {fmt!r}", hint="expected apoc-json")
        with open_graph() as graph:
            if str(path) == "-":
                try:
                    n, r = export_graph(graph, cast(TextIO, _PipeOut(sys.stdout)))
                    try:
                        sys.stdout.flush()
                    except BrokenPipeError:
                        raise OutputClosed() from None
                except OutputClosed:
                    # the reader stopped (`| head`): end quietly, as `cat` would
                    devnull = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(devnull, sys.stdout.fileno())
                    return
            else:
                with path.open("w", encoding="utf-8") as fh:
                    n, r = export_graph(graph, fh)
        if as_json:
            print_json({"file": str(path), "nodes": n, "relationships": r})
        elif str(path) != "-":
            console.print(f"exported {n} nodes and {r} relationships to {path}")
