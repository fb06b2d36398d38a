"""``stackgraph query <question>``: the analytic questions from the command line."""

from __future__ import annotations

import typer

app = typer.Typer(help="Ask the graph a question: diversion, stakes, chokepoints, exposure, "
                       "paths.", no_args_is_help=True)
