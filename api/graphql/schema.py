"""The GraphQL schema: entity lookups and lists, full-text search, the questions, and
the admin-only ingest mutation.

``build_schema(limits)`` assembles it with its extensions (limits, error codes, parser
and validation caches); the app builds one per process.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry
from graphql import FieldNode, GraphQLError, GraphQLSchema
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.types import ExecutionContext
from strawberry.types.nodes import SelectedField, Selection
from strawberry.utils.str_converters import to_snake_case

from api.errors import ApiError
from api.graphql import questions as q
from api.graphql.context import Info, in_thread
from api.graphql.entities import (
    ALL_TYPES,
    RELATIONSHIP_FIELDS,
    Chip,
    Consortium,
    ControlList,
    Country,
    DataCenter,
    Entity,
    Firm,
    Input,
    Model,
    Source,
    entity_from_row,
)
from api.graphql.limits import ErrorCodes, Pricing, QueryLimits
from api.graphql.pagination import (
    ChipFilter,
    Connection,
    ConsortiumFilter,
    DataCenterFilter,
    FirmFilter,
    NameFilter,
    PageInfo,
    decode_cursor,
    encode_cursor,
)
from api.graphql.policy import PolicyQuery
from api.graphql.results import mirror, to_graphql
from api.settings import Limits
from graph.errors import StackgraphError
from queries import entities, models
from queries.entities import Filters

log = logging.getLogger("stackgraph.api")

T = TypeVar("T")

DiversionResult = mirror(models.DiversionResult)
StakesResult = mirror(models.StakesResult)
ChokepointsResult = mirror(models.ChokepointsResult)
WhatIfResult = mirror(models.WhatIf)
ExposureResult = mirror(models.ExposureResult)
PathsResult = mirror(models.PathsResult)
AmericanStackResult = mirror(models.AmericanStackResult)
ReverseStakesResult = mirror(models.ReverseStakesResult)

SCENARIO_DOC = ("Policy scenario id (see data/scenarios/: default, arms-embargo, "
                "ai-diffusion-tiers, ...); null: the default, D:5 plus tier 3.")
AS_OF_DOC = "Day to look at (YYYY-MM-DD): only facts valid that day count; null: today."
FIRST_DOC = "Page size (at most the API's max page size, 100 by default)."
AFTER_DOC = "Cursor after which the page starts (pageInfo.endCursor of the previous page)."

FILTER_DOC = "Filters on the main properties, combined with AND."

FirstArg = Annotated[int, strawberry.argument(description=FIRST_DOC)]
AfterArg = Annotated[str | None, strawberry.argument(description=AFTER_DOC)]
ScenarioArg = Annotated[str | None, strawberry.argument(description=SCENARIO_DOC)]
AsOfArg = Annotated[dt.date | None, strawberry.argument(description=AS_OF_DOC)]
WHAT_IF_LIMIT = models.WHAT_IF_LIMIT
WhatIfLimitArg = Annotated[int | None, strawberry.argument(
    description="What-if: most affected inputs and cut-off targets listed, largest losses "
                "first (null: all); the counts always cover every one.")]
ChokepointsLimitArg = Annotated[int | None, strawberry.argument(
    description="Most inputs (largest top country share first), chokepoints, dominators "
                "and what-if rows listed (null: all); inputsTotal, chokepointsTotal, "
                "dominatorsTotal and the what-if counts always cover every one.")]
ChipFilterArg = Annotated[ChipFilter | None, strawberry.argument(description=FILTER_DOC)]
ConsortiumFilterArg = Annotated[ConsortiumFilter | None,
                                strawberry.argument(description=FILTER_DOC)]
DataCenterFilterArg = Annotated[DataCenterFilter | None,
                                strawberry.argument(description=FILTER_DOC)]
FirmFilterArg = Annotated[FirmFilter | None, strawberry.argument(description=FILTER_DOC)]
NameFilterArg = Annotated[NameFilter | None, strawberry.argument(description=FILTER_DOC)]


def _expansions(info: Info, type_name: str) -> list[tuple[str, str]]:
    """The relationship fields the query selects on the page's items (``nodes { ... }``
    or ``edges { node { ... } }``), as (type, direction): fetched with the page."""
    wanted: list[tuple[str, str]] = []
    for sel in info.selected_fields:
        for child in sel.selections:
            name = getattr(child, "name", None)
            items = []
            if name == "nodes":
                items = list(getattr(child, "selections", []))
            elif name == "edges":
                for sub in getattr(child, "selections", []):
                    if getattr(sub, "name", None) == "node":
                        items += list(getattr(sub, "selections", []))
            for item in items:
                spec = RELATIONSHIP_FIELDS.get((type_name, getattr(item, "name", "")))
                if spec and spec not in wanted:
                    wanted.append(spec)
    return wanted


def _property_keys(info: Info) -> list[str] | None:
    """The properties a page must fetch: every field name selected under the page field
    (fragments expanded, all levels), snake_cased; None (all properties) when the
    operation has other root fields, which may read the neighbour lists this page primes.
    Entity and edge fields read the property of their own name (plus ``name``,
    ``aliases``), so the page's rows, and the neighbour lists it primes for the rest of
    the request, hold everything any resolver of this operation reads; the rest of the
    node's properties stay in Neo4j."""
    roots = info.operation.selection_set.selections
    if len(roots) != 1 or not isinstance(roots[0], FieldNode):
        return None
    names = {"id", "name", "aliases"}
    stack: list[Selection] = list(info.selected_fields)
    while stack:
        sel = stack.pop()
        if isinstance(sel, SelectedField):
            names.add(to_snake_case(sel.name))
        stack.extend(sel.selections)
    return sorted(names)


async def _page(info: Info, label: str, make: Callable[[Any], T], first: int,
                after: str | None, filters: Filters) -> Connection[T]:
    limit = info.context.settings.limits.max_page_size
    if first < 0 or first > limit:
        raise ApiError("PAGE_SIZE_LIMIT", f"first must be 0..{limit}, got {first}",
                       hint=f"ask for at most {limit} and page with `after`")
    expand = _expansions(info, label)
    rows, more, expanded = await in_thread(entities.page, info.context.graph, label, first,
                                           decode_cursor(after), filters, expand,
                                           _property_keys(info))
    for (rel, direction), by_id in expanded.items():
        info.context.loaders.prime_many(rel, direction, by_id)
    nodes = [make(r) for r in rows]
    return Connection(nodes=nodes, ids=[r.id for r in rows],
                      page_info=PageInfo(has_next_page=more,
                                         end_cursor=encode_cursor(rows[-1].id) if rows
                                         else None),
                      label=label, filters=filters)


@strawberry.type(description="A full-text match on a name or alias.")
class SearchHit:
    score: float = strawberry.field(description="Lucene relevance score, higher is better.")
    entity: Entity = strawberry.field(description="The entity matched.")


@strawberry.type(description="Look up entities, list them page by page, and ask the "
                             "analytic questions.")
class Query(PolicyQuery):
    @strawberry.field(description="An entity by id (firm:nvidia, chip:nvidia-h100-sxm, USA ...); "
                                  "null when there is none.")
    async def node(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The entity's id.")]) -> Entity | None:
        row = await info.context.loaders.nodes.load(str(id))
        return None if row is None else entity_from_row(row)

    @strawberry.field(description="Entities whose name or an alias matches every word of "
                                  "`text` (full-text index entity_names), best first.")
    async def search(self, info: Info,
                     text: Annotated[str, strawberry.argument(
                         description="Words to find (each as a word or a prefix).")],
                     label: Annotated[str | None, strawberry.argument(
                         description="Only entities of this label.")] = None,
                     limit: Annotated[int, strawberry.argument(
                         description="At most this many hits.")] = 20) -> list[SearchHit]:
        cap = info.context.settings.limits.max_page_size
        if limit < 1 or limit > cap:
            raise ApiError("PAGE_SIZE_LIMIT", f"limit must be 1..{cap}, got {limit}")
        hits = await in_thread(entities.search, info.context.graph, text, label, limit)
        return [SearchHit(score=s, entity=entity_from_row(r)) for r, s in hits]

    @strawberry.field(description="Firms, by id, page by page.")
    async def firms(self, info: Info,
                    first: FirstArg = 20,
                    after: AfterArg = None,
                    filter: FirmFilterArg = None) -> Connection[Firm]:  # type: ignore[valid-type]
        return await _page(info, "Firm", Firm.from_row, first, after,
                           filter.filters() if filter else Filters())

    @strawberry.field(description="Chips, page by page.")
    async def chips(self, info: Info,
                    first: FirstArg = 20,
                    after: AfterArg = None,
                    filter: ChipFilterArg = None) -> Connection[Chip]:  # type: ignore[valid-type]
        return await _page(info, "Chip", Chip.from_row, first, after,
                           filter.filters() if filter else Filters())

    @strawberry.field(description="AI models, page by page.")
    async def models(self, info: Info,
                     first: FirstArg = 20,
                     after: AfterArg = None,
                     filter: NameFilterArg = None) -> Connection[Model]:  # type: ignore[valid-type]
        return await _page(info, "Model", Model.from_row, first, after,
                           filter.filters() if filter else Filters())

    @strawberry.field(description="Data centers, page by page.")
    async def data_centers(self, info: Info,
                           first: FirstArg = 20,
                           after: AfterArg = None,
                           filter: DataCenterFilterArg = None) -> Connection[DataCenter]:  # type: ignore[valid-type]
        return await _page(info, "DataCenter", DataCenter.from_row, first, after,
                           filter.filters() if filter else Filters())

    @strawberry.field(description="Consortia, joint ventures and export packages.")
    async def consortia(self, info: Info,
                        first: FirstArg = 20,
                        after: AfterArg = None,
                        filter: ConsortiumFilterArg = None) -> Connection[Consortium]:  # type: ignore[valid-type]
        return await _page(info, "Consortium", Consortium.from_row, first, after,
                           filter.filters() if filter else Filters())

    @strawberry.field(description="Countries, page by page.")
    async def countries(self, info: Info,
                        first: FirstArg = 20,
                        after: AfterArg = None,
                        filter: NameFilterArg = None) -> Connection[Country]:  # type: ignore[valid-type]
        return await _page(info, "Country", Country.from_row, first, after,
                           filter.filters() if filter else Filters())

    @strawberry.field(description="Supply-chain inputs, page by page.")
    async def inputs(self, info: Info,
                     first: FirstArg = 20,
                     after: AfterArg = None,
                     filter: NameFilterArg = None) -> Connection[Input]:  # type: ignore[valid-type]
        return await _page(info, "Input", Input.from_row, first, after,
                           filter.filters() if filter else Filters())

    @strawberry.field(description="Control lists (Entity List ...), page by page.")
    async def control_lists(self, info: Info,
                            first: FirstArg = 20,
                            after: AfterArg = None,
                            filter: NameFilterArg = None) -> Connection[ControlList]:  # type: ignore[valid-type]
        return await _page(info, "ControlList", ControlList.from_row, first, after,
                           filter.filters() if filter else Filters())

    @strawberry.field(description="Sources (publications), page by page.")
    async def sources(self, info: Info,
                      first: FirstArg = 20,
                      after: AfterArg = None,
                      filter: NameFilterArg = None) -> Connection[Source]:  # type: ignore[valid-type]
        return await _page(info, "Source", Source.from_row, first, after,
                           filter.filters() if filter else Filters())

    # -- the questions ------------------------------------------------------------------

    @strawberry.field(description="Diversion risk: ranked paths by which an item's hardware "
                                  "or access can reach a destination of concern, each hop "
                                  "with its factor and sources.")
    async def diversion_risk(
            self, info: Info,
            item: Annotated[str, strawberry.argument(description="Id of a Chip, Model, "
                                                                 "DataCenter or Firm.")],
            scenario: ScenarioArg = None,
            as_of: AsOfArg = None,
            max_hops: Annotated[int, strawberry.argument(description="Longest path.")] = 4,
            limit: Annotated[int, strawberry.argument(description="At most this many "
                                                                  "paths.")] = 20
    ) -> DiversionResult:  # type: ignore[valid-type]
        return to_graphql(await q.diversion_risk(info.context, item=item, scenario=scenario,
                                                 as_of=as_of, max_hops=max_hops,
                                                 limit=limit))


    @strawberry.field(description="Foreign stakes in a firm: effective stakes by owner "
                                  "(sum over OWNS paths of share products) and by country "
                                  "(residual attribution, each unit counted once), with "
                                  "bounds where a share is unknown.")
    async def foreign_stakes(
            self, info: Info,
            firm: Annotated[str, strawberry.argument(description="Id of the target firm, "
                                                                 "e.g. firm:openai.")],
            scenario: ScenarioArg = None, as_of: AsOfArg = None,
            max_depth: Annotated[int, strawberry.argument(
                description="Longest ownership chain followed (<= 6).")] = 6,
    ) -> StakesResult:  # type: ignore[valid-type]
        return to_graphql(await q.foreign_stakes(info.context, firm=firm, scenario=scenario,
                                                 as_of=as_of, max_depth=max_depth))

    @strawberry.field(description="Foreign stakes in every firm of the American stack "
                                  "(US-headquartered ai_lab, cloud, chip_designer, foundry, "
                                  "memory, equipment, datacenter_operator firms), with the "
                                  "aggregate by country.")
    async def american_stack_stakes(
            self, info: Info, scenario: ScenarioArg = None, as_of: AsOfArg = None,
            max_depth: Annotated[int, strawberry.argument(
                description="Longest ownership chain followed (<= 6).")] = 6,
    ) -> AmericanStackResult:  # type: ignore[valid-type]
        return to_graphql(await q.american_stack_stakes(info.context, scenario=scenario,
                                                        as_of=as_of, max_depth=max_depth))

    @strawberry.field(description="The reverse question: American stakes in foreign firms "
                                  "(the residual attributed to USA).")
    async def reverse_stakes(
            self, info: Info,
            firm: Annotated[str | None, strawberry.argument(
                description="One foreign firm; null: every one an American owner "
                            "reaches.")] = None,
            scenario: ScenarioArg = None, as_of: AsOfArg = None,
            max_depth: Annotated[int, strawberry.argument(
                description="Longest ownership chain followed (<= 6).")] = 6,
    ) -> ReverseStakesResult:  # type: ignore[valid-type]
        return to_graphql(await q.reverse_stakes(info.context, firm=firm, scenario=scenario,
                                                 as_of=as_of, max_depth=max_depth))


    @strawberry.field(description="Supply-chain chokepoints: per input the concentration of "
                                  "its providers by firm and by country (top share, HHI "
                                  "0..10,000, count), the chokepoints at `threshold`, and "
                                  "with a target its upstream inputs, dominators and "
                                  "betweenness.")
    async def chokepoints(
            self, info: Info,
            target: Annotated[str | None, strawberry.argument(
                description="A Chip or Input id whose upstream inputs to examine; null: "
                            "every input.")] = None,
            threshold: Annotated[float, strawberry.argument(
                description="Top country share (percent) from which an input is a "
                            "chokepoint.")] = 90.0,
            remove: Annotated[list[str] | None, strawberry.argument(
                description="Countries (ISO3) or firm ids to remove for a what-if.")] = None,
            scenario: ScenarioArg = None, as_of: AsOfArg = None,
            limit: ChokepointsLimitArg = WHAT_IF_LIMIT,
    ) -> ChokepointsResult:  # type: ignore[valid-type]
        return to_graphql(await q.chokepoints(info.context, target=target,
                                              threshold=threshold, remove=remove,
                                              scenario=scenario, as_of=as_of, limit=limit))

    @strawberry.field(description="What-if: remove countries or firms from the supply chain "
                                  "and report per input the share of world supply lost, and "
                                  "which targets lose all supply of some input.")
    async def what_if(
            self, info: Info,
            remove: Annotated[list[str], strawberry.argument(
                description="Countries (ISO3) or firm ids to remove.")],
            scenario: ScenarioArg = None, as_of: AsOfArg = None,
            limit: WhatIfLimitArg = WHAT_IF_LIMIT,
    ) -> WhatIfResult:  # type: ignore[valid-type]
        return to_graphql(await q.what_if(info.context, remove=remove, scenario=scenario,
                                          as_of=as_of, limit=limit))

    @strawberry.field(description="Consortium exposure: members by country and scenario tier, "
                                  "stakes by country, listed members, the stack by layer with "
                                  "countries of origin, the American share of layers, "
                                  "chokepoints its chips depend on, diversion paths from its "
                                  "data centers.")
    async def consortium_exposure(
            self, info: Info,
            consortium: Annotated[str | None, strawberry.argument(
                description="One consortium id; null: every consortium.")] = None,
            scenario: ScenarioArg = None, as_of: AsOfArg = None,
            threshold: Annotated[float, strawberry.argument(
                description="Chokepoint threshold (top country share, percent).")] = 90.0,
            max_hops: Annotated[int, strawberry.argument(
                description="Longest diversion path from its data centers.")] = 4,
    ) -> ExposureResult:  # type: ignore[valid-type]
        return to_graphql(await q.consortium_exposure(
            info.context, consortium=consortium, scenario=scenario, as_of=as_of,
            threshold=threshold, max_hops=max_hops))

    @strawberry.field(description="Paths between two entities: the shortest ones, or all "
                                  "simple paths, filtered by relationship types and bounded "
                                  "in length; every hop with its properties and sources.")
    async def paths(
            self, info: Info,
            source: Annotated[str, strawberry.argument(description="Id where paths start.")],
            target: Annotated[str, strawberry.argument(description="Id where paths end.")],
            types: Annotated[list[str] | None, strawberry.argument(
                description="Relationship types to follow (e.g. [OWNS, SHIPS_TO]); null: "
                            "all.")] = None,
            max_hops: Annotated[int, strawberry.argument(
                description="Longest path (hops).")] = 4,
            all: Annotated[bool, strawberry.argument(
                description="All simple paths instead of the shortest ones.")] = False,
            limit: Annotated[int, strawberry.argument(
                description="At most this many paths.")] = 20,
            scenario: ScenarioArg = None, as_of: AsOfArg = None,
    ) -> PathsResult:  # type: ignore[valid-type]
        return to_graphql(await q.paths(info.context, source=source, target=target,
                                        types=types, max_hops=max_hops, all=all, limit=limit,
                                        scenario=scenario, as_of=as_of))


def _process_errors(errors: list[GraphQLError],
                    execution_context: ExecutionContext | None = None) -> None:
    """Log errors without tracebacks for domain errors (bad input, Neo4j down), with one
    for anything unexpected."""
    for err in errors:
        orig = err.original_error
        if isinstance(orig, StackgraphError) or orig is None:
            log.info("graphql error %s: %s", (err.extensions or {}).get("code")
                     or getattr(orig, "code", "GRAPHQL_VALIDATION"), err.message)
        else:
            log.error("graphql error: %s", err.message, exc_info=orig)


class StackgraphSchema(strawberry.Schema):
    """The API's schema: its errors logged by kind, and its graphql-core schema handed
    out to the compiled path and the limits (one documented place, not a private
    attribute read across modules)."""

    @property
    def graphql_schema(self) -> GraphQLSchema:
        return self._schema

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        _process_errors(errors, execution_context)


def build_schema(limits: Limits | None = None, mutation: type | None = None,
                 pricing: Pricing | None = None) -> StackgraphSchema:
    """The schema; ``pricing`` is the app's (``create_app``), a new one when not given."""
    limits = limits or Limits()
    owned = pricing or Pricing()

    def query_limits() -> QueryLimits:
        return QueryLimits(limits, owned)

    return StackgraphSchema(
        query=Query,
        mutation=mutation,
        types=ALL_TYPES,
        extensions=[ErrorCodes, lambda: ParserCache(maxsize=256),
                    lambda: ValidationCache(maxsize=256), query_limits],
    )

