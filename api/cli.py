"""The ``stackgraph`` command line: one Typer app, one sub-app per area.

Every command turns a ``StackgraphError`` into a message with a hint and a non-zero exit
code (1 for operational failures, 2 for bad arguments) instead of a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from graph.errors import BadArgument, NotFound, SchemaError, StackgraphError

err_console = Console(stderr=True)
console = Console()

F = TypeVar("F", bound=Callable[..., Any])


def friendly(fn: F) -> F:
    """Decorator: print domain errors as 'error: ... / hint: ...' and exit non-zero."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except StackgraphError as exc:
            as_json = bool(kwargs.get("as_json"))
            if as_json:
                print(json.dumps({"error": {"code": exc.code, "message": exc.message,
                                            "hint": exc.hint}}))
            else:
                # escaped: a message may quote a log line or a path in [brackets]
                err_console.print(f"[bold red]error:[/] {escape(exc.message)}",
                                  highlight=False, markup=True, soft_wrap=True)
                if exc.hint:
                    err_console.print(f"[yellow]hint:[/] {escape(exc.hint)}", highlight=False)
            code = 2 if isinstance(exc, (BadArgument, NotFound, SchemaError)) else 1
            raise typer.Exit(code) from None
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


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
