"""The analytic questions as GraphQL fields: each calls the same Python function as the
CLI (``queries/``), in a worker thread, and returns its answer mirrored as GraphQL types.

Every question takes ``scenario`` (a bundled scenario id) and ``asOf`` (a day,
``YYYY-MM-DD``); path questions are budgeted by hops and fan-out before they run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from api.graphql.context import Context, in_thread
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


async def run(context: Context, fn: Callable[..., Any], *args: Any, hops: int | None = None,
              **kwargs: Any) -> Any:
    """Check the traversal budget, then run a question off the event loop."""
    graph = context.graph
    limits = context.settings.limits
    pricing = context.pricing

    def checked() -> Any:
        # budget check and question in one worker-thread hop (a hop costs ~0.2-1 ms)
        if hops is not None:
            pricing.check_traversal(graph, limits, hops)
        return fn(graph, *args, **kwargs)

    return await in_thread(checked)


# -- the answers: one function per question field ------------------------------------------
#
# Each takes the request's context and the field's arguments (Python names, converted by
# Strawberry) and returns the question's pydantic answer. The Strawberry resolvers in
# schema.py and the compiled path (compiled_questions.py) both call these, so the two
# ways a request is answered run the same checks and the same Python question.


async def diversion_risk(context: Context, item: str, scenario: str | None = None,
                         as_of: dt.date | None = None, max_hops: int = 4,
                         limit: int = 20) -> Any:
    from queries.diversion import diversion

    return await run(context, diversion, item, scenario=scenario_id(scenario),
                     max_hops=max_hops, as_of=as_of, limit=limit, hops=max_hops)


async def foreign_stakes(context: Context, firm: str, scenario: str | None = None,
                         as_of: dt.date | None = None, max_depth: int = 6) -> Any:
    from queries.stakes import stakes

    scenario_id(scenario)  # checked for uniformity; ownership has no tiers
    return await run(context, stakes, firm, as_of=as_of, max_depth=max_depth,
                     hops=max_depth)


async def american_stack_stakes(context: Context, scenario: str | None = None,
                                as_of: dt.date | None = None, max_depth: int = 6) -> Any:
    from queries.stakes import american_stack

    scenario_id(scenario)
    return await run(context, american_stack, as_of=as_of, max_depth=max_depth,
                     hops=max_depth)


async def reverse_stakes(context: Context, firm: str | None = None,
                         scenario: str | None = None, as_of: dt.date | None = None,
                         max_depth: int = 6) -> Any:
    from queries.stakes import reverse_stakes as reverse

    scenario_id(scenario)
    return await run(context, reverse, firm, as_of=as_of, max_depth=max_depth,
                     hops=max_depth)


async def chokepoints(context: Context, target: str | None = None, threshold: float = 90.0,
                      remove: list[str] | None = None, scenario: str | None = None,
                      as_of: dt.date | None = None, limit: int | None = None) -> Any:
    from queries.chokepoints import chokepoints as question

    scenario_id(scenario)  # accepted for uniformity: supply shares have no tiers
    return await run(context, question, target, threshold=threshold,
                     remove=remove or None, as_of=as_of, limit=limit)


async def what_if(context: Context, remove: list[str], scenario: str | None = None,
                  as_of: dt.date | None = None, limit: int | None = None) -> Any:
    from api.errors import ApiError
    from queries.chokepoints import check_remove
    from queries.chokepoints import what_if as question
    from queries.common import as_of_date

    check_remove(remove)
    if not remove:
        raise ApiError("BAD_ARGUMENT", "remove needs at least one country or firm",
                       hint='e.g. remove: ["TWN"]')
    scenario_id(scenario)
    return await run(context, question, remove, as_of_date(as_of), limit=limit)


async def consortium_exposure(context: Context, consortium: str | None = None,
                              scenario: str | None = None, as_of: dt.date | None = None,
                              threshold: float = 90.0, max_hops: int = 4) -> Any:
    from queries.exposure import exposure

    return await run(context, exposure, consortium, scenario=scenario_id(scenario),
                     as_of=as_of, threshold=threshold, max_hops=max_hops, hops=max_hops)


async def paths(context: Context, source: str, target: str, types: list[str] | None = None,
                max_hops: int = 4, all: bool = False,  # noqa: A002 - the GraphQL name
                limit: int = 20, scenario: str | None = None,
                as_of: dt.date | None = None) -> Any:
    from queries.paths import paths as question

    scenario_id(scenario)  # paths are plain graph paths: the scenario changes nothing
    return await run(context, question, source, target, types=types, max_hops=max_hops,
                     all_paths=all, as_of=as_of, limit=limit, hops=max_hops)


#: The answer function of each question field, by GraphQL field name.
ANSWERS: dict[str, Callable[..., Any]] = {
    "diversionRisk": diversion_risk, "foreignStakes": foreign_stakes,
    "americanStackStakes": american_stack_stakes, "reverseStakes": reverse_stakes,
    "chokepoints": chokepoints, "whatIf": what_if,
    "consortiumExposure": consortium_exposure, "paths": paths,
}
