"""``stackgraph ingest`` and ``stackgraph export`` (filled in by the knowledge-base work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ingest and export commands to the main app."""
