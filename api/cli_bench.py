"""``stackgraph bench``: the benchmarks (the same as ``python -m bench`` / ``make bench``).

Everything after ``bench`` is handed to the benchmark runner unchanged, so
``stackgraph bench ingest --large`` is ``python -m bench ingest --large``; without
arguments it runs every benchmark at modest sizes. The benchmarks start their own Neo4j
servers under ``.stackgraph/bench-*`` (ports 17720-17739) and never touch yours.

The runner is started as its own process (``python -m bench``), not imported: the
benchmarks tune the interpreter for their own process, and the API package does not
depend on the bench package.
"""

from __future__ import annotations

import subprocess
import sys

import typer

from api.cli_output import friendly


def register(app: typer.Typer) -> None:
    @app.command(
        "bench",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                          "help_option_names": []},
        add_help_option=False,
    )
    @friendly
    def bench(ctx: typer.Context) -> None:
        """Run the benchmarks: all | server | ingest | queries | api | generate
        (`stackgraph bench --help`); figures go to bench/results/."""
        code = subprocess.call([sys.executable, "-m", "bench", *ctx.args])
        if code:
            raise typer.Exit(code)
