"""What every ``stackgraph`` command shares: the consoles, domain errors turned into a
message with a hint and an exit code, JSON output. The command modules (``cli_*.py``)
import it from here, and ``api.cli`` registers them: no module imports the one that
imports it.
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
