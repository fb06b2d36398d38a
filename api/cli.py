"""The ``stackgraph`` command line: one Typer app, one sub-app per area.

Every command turns a ``StackgraphError`` into a message with a hint and a non-zero exit
code (1 for operational failures, 2 for bad arguments) instead of a traceback.
"""

from __future__ import annotations

import typer

from api.cli_output import console, err_console, friendly, print_json

__all__ = ["app", "console", "err_console", "friendly", "main", "print_json"]


app = typer.Typer(
    name="stackgraph",
    help="A knowledge graph of the AI stack in Neo4j: load it, ask it export-control "
         "questions, serve it over GraphQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from api import (
        cli_bench,
        cli_datasets,
        cli_db,
        cli_ingest,
        cli_query,
        cli_resolve,
        cli_serve,
        cli_show,
        cli_up,
    )

    app.add_typer(cli_db.app, name="db")
    app.add_typer(cli_datasets.app, name="datasets")
    cli_ingest.register(app)
    cli_resolve.register(app)
    app.add_typer(cli_query.app, name="query")
    cli_show.register(app)
    cli_serve.register(app)
    cli_up.register(app)
    cli_bench.register(app)


_register()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
