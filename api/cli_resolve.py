"""``stackgraph resolve``: the pairs of entities matching was not sure of, for the data
steward to judge (ingest/resolution.py, ingest/judgements.py)."""

from __future__ import annotations

import typer
from rich.table import Table

from api.cli_output import console, friendly, print_json

HOW_TO_JUDGE = (
    "To record a judgement, add a row to data/resolution/judgements.csv "
    "(left,right,judgement,who,why,date), e.g.\n"
    "  model:openai-gpt-4,model:epoch-gpt-4,same,Your Name,\"one model\",2026-12-04\n"
    "judgement is 'same' (one node) or 'different' (kept apart); every later load honours "
    "it. See docs/resolution.md."
)


def register(app: typer.Typer) -> None:
    @app.command("resolve", epilog=HOW_TO_JUDGE)
    @friendly
    def resolve(
        limit: int = typer.Option(50, "--limit", min=1, help="how many pairs to show"),
        as_json: bool = typer.Option(False, "--json", help="print the pairs as JSON"),
    ) -> None:
        """List the candidate duplicate entities (firms, models, chips, data centers) in the
        database that matching left apart, best first, for the data steward to judge."""
        from graph.db import open_graph
        from ingest.resolution import candidates

        with open_graph() as graph:
            found = candidates(graph)
        if as_json:
            print_json({"total": len(found), "candidates": [c.as_dict() for c in found[:limit]],
                        "judgements_file": "data/resolution/judgements.csv"})
            return
        table = Table(title=f"{len(found)} candidate pair(s)"
                            f"{f', best {limit} shown' if len(found) > limit else ''}")
        for col in ("score", "left", "right", "why"):
            table.add_column(col)
        for c in found[:limit]:
            table.add_row(f"{c.score:.2f}", f"{c.left}\n{c.left_name}",
                          f"{c.right}\n{c.right_name}", c.reason)
        console.print(table)
        console.print(HOW_TO_JUDGE, highlight=False)
