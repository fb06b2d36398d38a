"""The policy engine's questions as GraphQL fields (issue 18): ``license``,
``computeByCountry`` and ``compareScenarios``.

Plain Strawberry resolvers calling the same Python questions as the CLI
(queries/license.py, compute.py, compare.py) through ``questions.run`` (worker thread,
error codes); the Query type inherits them from ``PolicyQuery``. Scenarios are bundled ids
only over the API (a path would read files on the server).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from api.graphql import questions as q
from api.graphql.context import Info
from api.graphql.results import mirror, to_graphql
from graph.errors import BadArgument
from queries import models

LicenseResult = mirror(models.LicenseResult)
ComputeResult = mirror(models.ComputeResult)
CompareResult = mirror(models.CompareResult)

POLICY_SCENARIO_DOC = ("Policy scenario id (data/scenarios/: current, ai-diffusion-2025, "
                       "default, arms-embargo, wider-country-tiers, american-monopoly, "
                       "repeal-without-replacement, bilateral-deals); null: current, the US "
                       "rules in force on asOf.")
AS_OF_DOC = "Day to look at (YYYY-MM-DD): the rules and facts in force that day; null: today."

PolicyScenarioArg = Annotated[str | None, strawberry.argument(description=POLICY_SCENARIO_DOC)]
AsOfArg = Annotated[dt.date | None, strawberry.argument(description=AS_OF_DOC)]


def _scenario(scenario: str | None) -> str:
    return q.scenario_id(scenario) or "current"


@strawberry.type
class PolicyQuery:
    @strawberry.field(description="Does an item need a US export license to reach a party "
                                  "(country, firm or data center) under a scenario on a "
                                  "day? `required`, the resulting `policy`, every rule that "
                                  "applied with why (threshold compared, listing, ownership "
                                  "chain), and the rules that did not apply because of dates.")
    async def license(
            self, info: Info,
            item: Annotated[str, strawberry.argument(description="Chip or model id.")],
            to: Annotated[str, strawberry.argument(description="Country (ISO3), firm id or "
                                                               "data center id.")],
            scenario: PolicyScenarioArg = None, as_of: AsOfArg = None,
    ) -> LicenseResult:  # type: ignore[valid-type]
        from queries.license import license

        return to_graphql(await q.run(info.context, license, item, to,
                                      scenario=_scenario(scenario), as_of=as_of))

    @strawberry.field(description="AI compute per country (H100 equivalents of operational "
                                  "data centers on asOf), with each country's tier and cap "
                                  "under the scenario, what exceeds it, and planned capacity.")
    async def compute_by_country(
            self, info: Info, scenario: PolicyScenarioArg = None, as_of: AsOfArg = None,
            country: Annotated[str | None, strawberry.argument(
                description="One country (ISO3); null: every country.")] = None,
    ) -> ComputeResult:  # type: ignore[valid-type]
        from queries.compute import compute_by_country

        return to_graphql(await q.run(info.context, compute_by_country,
                                      scenario=_scenario(scenario), as_of=as_of,
                                      country=country))

    @strawberry.field(description="Scenarios side by side: countries per tier, the item's "
                                  "policy per tier and country, compute in countries that "
                                  "would need a license, consortia that change status.")
    async def compare_scenarios(
            self, info: Info,
            scenarios: Annotated[list[str], strawberry.argument(
                description="Scenario ids, the first one the baseline.")],
            item: Annotated[str | None, strawberry.argument(
                description="Chip or model id; null: chip:nvidia-h100-sxm.")] = None,
            as_of: AsOfArg = None,
    ) -> CompareResult:  # type: ignore[valid-type]
        from queries.compare import compare_scenarios

        if not scenarios:
            raise BadArgument("scenarios is empty", hint="e.g. [\"current\", \"default\"]")
        ids = [_scenario(s) for s in scenarios]
        return to_graphql(await q.run(info.context, compare_scenarios, ids, item=item,
                                      as_of=as_of))
