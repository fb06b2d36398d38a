"""The analytic questions as GraphQL fields: each calls the same Python function as the
CLI (``queries/``), in a worker thread, and returns its answer mirrored as GraphQL types.

Every question takes ``scenario`` (a bundled scenario id) and ``asOf`` (a day,
``YYYY-MM-DD``); path questions are budgeted by hops and fan-out before they run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.graphql.context import Info, in_thread
from api.graphql.limits import check_traversal
from graph.errors import BadArgument


def scenario_id(scenario: str | None) -> str | None:
    """A bundled scenario id; file paths are refused over the API (they would read files
    on the server)."""
    if scenario is None:
        return None
    from queries.scenarios import known_scenarios

    known = known_scenarios()
    if scenario not in known:
        raise BadArgument(f"unknown scenario {scenario!r}",
                          hint="known scenarios: " + ", ".join(known))
    return scenario


async def run(info: Info, fn: Callable[..., Any], *args: Any, hops: int | None = None,
              **kwargs: Any) -> Any:
    """Check the traversal budget, then run a question off the event loop."""
    graph = info.context.graph
    limits = info.context.settings.limits

    def checked() -> Any:
        # budget check and question in one worker-thread hop (a hop costs ~0.2-1 ms)
        if hops is not None:
            check_traversal(graph, limits, hops)
        return fn(graph, *args, **kwargs)

    return await in_thread(checked)
