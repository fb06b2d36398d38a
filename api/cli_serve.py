"""``stackgraph serve`` and ``stackgraph browser`` (filled in by the API work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the serve and browser commands to the main app."""
