"""Cursor pagination (connections) and filters for the entity lists.

Pages are keyset pages ordered by id (``id > after``), so page 1,000 costs what page 1
costs; ``totalCount`` is a separate Cypher ``count()``, run only when selected.
"""

from __future__ import annotations

import base64
import binascii
from enum import Enum
from typing import Generic, TypeVar

import strawberry

from api.graphql.context import Info, in_thread
from graph.errors import BadArgument
from graph.schema import SCHEMA
from queries import entities
from queries.entities import Filters

T = TypeVar("T")


def encode_cursor(node_id: str) -> str:
    return base64.urlsafe_b64encode(f"id:{node_id}".encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith("id:"):
        raise BadArgument(f"malformed cursor {cursor!r}",
                          hint="pass the endCursor of the previous page as `after`")
    return text[3:]


@strawberry.type(description="Where a page stands in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when more items follow.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item: pass it "
                                                          "as `after` for the next page.")


@strawberry.type(description="An item of a page with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of the item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list of entities, with the total count.")
class Connection(Generic[T]):
    nodes: list[T] = strawberry.field(description="The items (same as edges.node).")
    page_info: PageInfo = strawberry.field(description="Whether more follow, and from where.")
    label: strawberry.Private[str]
    filters: strawberry.Private[Filters]
    ids: strawberry.Private[list[str]]

    @strawberry.field(description="The items with their cursors.")
    def edges(self) -> list[Edge[T]]:
        # built only when selected: a cursor per item is work most pages never use
        return [Edge(cursor=encode_cursor(i), node=n)
                for i, n in zip(self.ids, self.nodes, strict=True)]

    @strawberry.field(description="Number of items in the whole filtered list (a count "
                                  "query: no item is loaded).")
    async def total_count(self, info: Info) -> int:
        return await in_thread(entities.count, info.context.graph, self.label, self.filters)


def _enum(name: str, label: str, prop: str) -> type[Enum]:
    values = SCHEMA.node_properties[label][prop].enum or ()
    enum = Enum(name, {v.upper(): v for v in values})  # type: ignore[misc]
    return strawberry.enum(enum, description=f"Allowed values of {label}.{prop}.")


FirmKind = _enum("FirmKind", "Firm", "kind")
ChipKind = _enum("ChipKind", "Chip", "kind")
DataCenterStatus = _enum("DataCenterStatus", "DataCenter", "status")
ConsortiumKind = _enum("ConsortiumKind", "Consortium", "kind")


def _v(e: Enum | None) -> str | None:
    return None if e is None else str(e.value)


@strawberry.input(description="Filters on firms; all optional, combined with AND.")
class FirmFilter:
    kind: FirmKind | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Firms of this kind.")
    country: str | None = strawberry.field(default=None, description="Headquarters country "
                                                                     "(ISO3, e.g. USA).")
    listed: bool | None = strawberry.field(default=None, description="true: only firms on a "
                                           "control list; false: only firms on none.")
    name_contains: str | None = strawberry.field(default=None, description="Case-insensitive "
                                                 "substring of the name.")

    def filters(self) -> Filters:
        return Filters(kind=_v(self.kind), country=self.country, listed=self.listed,
                       name=self.name_contains)


@strawberry.input(description="Filters on chips.")
class ChipFilter:
    kind: ChipKind | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Chips of this kind.")
    name_contains: str | None = strawberry.field(default=None, description="Substring of "
                                                 "the name.")

    def filters(self) -> Filters:
        return Filters(kind=_v(self.kind), name=self.name_contains)


@strawberry.input(description="Filters on data centers.")
class DataCenterFilter:
    status: DataCenterStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Data centers in this status.")
    country: str | None = strawberry.field(default=None, description="Country (ISO3).")
    name_contains: str | None = strawberry.field(default=None, description="Substring of "
                                                 "the name.")

    def filters(self) -> Filters:
        return Filters(status=_v(self.status), country=self.country, name=self.name_contains)


@strawberry.input(description="Filters on consortia.")
class ConsortiumFilter:
    kind: ConsortiumKind | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Consortia of this kind.")
    name_contains: str | None = strawberry.field(default=None, description="Substring of "
                                                 "the name.")

    def filters(self) -> Filters:
        return Filters(kind=_v(self.kind), name=self.name_contains)


@strawberry.input(description="Filters on any list by name.")
class NameFilter:
    name_contains: str | None = strawberry.field(default=None, description="Substring of "
                                                 "the name.")

    def filters(self) -> Filters:
        return Filters(name=self.name_contains)
