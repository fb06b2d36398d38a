"""The one mutation: reload the bundled dataset, for admin keys only.

Loading is the ingest engineers' code (``ingest.bundled.load_bundled``); the API only
checks who asks and reports the load's summary. Loads are idempotent (MERGE on ids),
so running it twice changes nothing the second time.
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from api.errors import ApiError
from api.graphql.context import Info, in_thread
from api.guard import lift_deadline


@strawberry.type(description="What a load did.")
class IngestResult:
    nodes_written: int = strawberry.field(description="Nodes created or updated.")
    relationships_written: int = strawberry.field(description="Relationships created or "
                                                               "updated.")
    rejected: int = strawberry.field(description="Records rejected by validation.")
    summary: JSON = strawberry.field(description="The full load summary: counts per label "
                                                 "and relationship type, rejections.")


def _summary(result: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return dataclasses.asdict(result)
    if isinstance(result, dict):
        return result
    return {"result": str(result)}


def _count(result: Any, name: str) -> int:
    value = getattr(result, name, 0)
    return int(value) if isinstance(value, (int, float)) else 0


@strawberry.type(description="Changes to the graph (admin API keys only).")
class Mutation:
    @strawberry.mutation(description="Load (or reload) the bundled, curated dataset and the "
                                     "ETO supply-chain data. Idempotent.")
    async def ingest(self, info: Info) -> IngestResult:
        if info.context.principal not in {"admin", "local"}:
            raise ApiError("FORBIDDEN", "ingest needs an admin API key",
                           hint="send an admin key in the X-API-Key header")
        from ingest.bundled import load_bundled

        lift_deadline(info.context)  # a load takes longer than a query's budget
        result = await in_thread(load_bundled, info.context.graph)
        return IngestResult(
            nodes_written=_count(result, "nodes_written"),
            relationships_written=_count(result, "rels_written"),
            rejected=len(getattr(result, "rejections", []) or []),
            summary=cast(JSON, _summary(result)),
        )
