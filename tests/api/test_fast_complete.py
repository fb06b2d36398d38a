"""The fast completion of plain-data subtrees (api/graphql/fast_complete.py) answers
exactly what graphql-core's own execution answers: same data, same errors, same key
order, on entity pages, fragments, aliases, ``__typename`` and a question."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.graphql.context import Context
from api.graphql.fast_complete import FastExecutionContext
from api.graphql.schema import build_schema
from graph.db import Graph
from tests.api.conftest import api_settings

QUERIES = [
    "{ firms(first: 7) { nodes { id name headquarters { id name } designs { id name } } } }",
    """{ firms(first: 3, filter: {kind: CHIP_DESIGNER}) { edges { cursor node { ...F } }
         pageInfo { endCursor hasNextPage } totalCount } }
       fragment F on Firm { __typename id n: name aliases kind confidence
         headquarters { iso3 region firms { id } } owners { share since sources { id title }
         owner { id ... on Firm { kind } } } designs { tpp kind designers { id } } }""",
    "{ consortia { nodes { id members { role stake member { id name } } } } }",
    '{ node(id: "firm:zeta") { ... on Firm { listings { reason list { id name } } } } }',
    """{ paths(source: "firm:epsilon", target: "firm:gamma") { source { id name label }
         paths { length hops { type fromId toId direction sources { id title } } } } }""",
    """{ foreignStakes(firm: "firm:gamma") { target { id __typename entity { id } }
         foreignShare { low high exact } owners { owner { id } effective { low high } } } }""",
    "{ firms(first: 2) { nodes { id @include(if: false) name designs { id @skip(if: true) } } } }",
]


def _run(graph: Graph, query: str, fast: bool) -> str:
    schema = build_schema(api_settings().limits)
    if not fast:
        schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
    ctx = Context(graph, api_settings(), "local")
    result = asyncio.run(schema.execute(query, context_value=ctx))
    return json.dumps({"data": result.data,
                       "errors": [e.formatted for e in result.errors or []]}, default=str)


def test_same_answers_as_graphql_core(small: Graph) -> None:
    for query in QUERIES:
        fast, slow = _run(small, query, True), _run(small, query, False)
        assert fast == slow, query
        assert '"data": null' not in fast, fast


@strawberry.type
class Item:
    id: str
    tags: list[str]


@strawberry.type
class Q:
    @strawberry.field
    def items(self) -> list[Item]:
        # the second item breaks the schema's promise (non-null id): the fast walk must
        # give up and let graphql-core report the error at the right path
        return [Item(id="a", tags=["x"]), Item(id=None, tags=["y"])]  # type: ignore[arg-type]

    @strawberry.field
    def fine(self) -> list[Item]:
        return [Item(id="b", tags=[])]


def _plain(context_class: Any) -> str:
    schema = strawberry.Schema(query=Q, execution_context_class=context_class)
    result = asyncio.run(schema.execute("{ fine { id tags } items { id tags } }"))
    return json.dumps({"data": result.data,
                       "errors": [e.formatted for e in result.errors or []]})


def test_null_in_non_null_field_gives_the_same_error() -> None:
    fast = _plain(FastExecutionContext)
    slow = _plain(StrawberryGraphQLCoreExecutionContext)
    assert fast == slow
    assert "Cannot return null for non-nullable field Item.id" in fast


@strawberry.type
class Scalars:
    i: int | None
    f: float | None
    s: str | None
    b: bool | None


@strawberry.type
class SQ:
    @strawberry.field
    def rows(self) -> list[Scalars]:
        # values each leaf shortcut must leave to graphql-core's serialisation: a bool or
        # a big int for Int, an int or inf/nan for Float, an int for String, an int for
        # Boolean (and plain ones it may take as they are)
        raw: list[tuple[Any, Any, Any, Any]] = [
            (1, 1.5, "x", True), (True, 2, 3, 0), (2 ** 31, float("inf"), None, 1),
            (-(2 ** 31), float("nan"), "", False), (2 ** 31 - 1, -0.0, "y", None)]
        return [Scalars(i=i, f=f, s=s, b=b) for i, f, s, b in raw]


def test_leaf_shortcuts_give_graphql_core_answers() -> None:
    results = []
    for cls in (FastExecutionContext, StrawberryGraphQLCoreExecutionContext):
        schema = strawberry.Schema(query=SQ, execution_context_class=cls)
        result = asyncio.run(schema.execute("{ rows { i f s b } }"))
        results.append(json.dumps({"data": result.data, "errors": sorted(
            str(e.formatted) for e in result.errors or [])}))
    assert results[0] == results[1]
    assert "non 32-bit" in results[0] and "non numeric" in results[0]
