"""Property-based requests an outsider could send: GraphQL operations generated from the
schema (hypothesis-graphql: valid ones, and ones with one schema violation) and REST
calls with generated query parameters, against the app on the real test Neo4j.

Whatever comes in: never a 500, every error carries a code of the documented table,
no internal text (Neo4j's, Python's) in the answer, and each request ends within the
request budget (``request_timeout``: a request over it answers ``TIMEOUT``, which is a
code like any other). ``STACKGRAPH_FUZZ_EXAMPLES`` sets the number of examples per
property (a few hundred in all by default; ``make fuzz`` runs many more).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from graphql import StringValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from api.app import create_app
from api.errors import HTTP_STATUS
from graph.db import Graph
from tests.api.conftest import FIRMS, api_settings

pytestmark = pytest.mark.neo4j

EXAMPLES = int(os.environ.get("STACKGRAPH_FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

#: Text that must never reach a client
INTERNAL = re.compile(r"Traceback|File \"|\.py\b|Neo\.(Client|Transient|Database)Error|"
                      r"neo4j\.exceptions|bolt://|Exception\b|ParseException|"
                      r"org\.apache|java\.")

@pytest.fixture(scope="module")
def fuzz_client(session_graph: Graph) -> Iterator[TestClient]:
    """One app for every example (the small graph, loaded once for the module)."""
    from tests.api.conftest import small_graph
    from tests.conftest import wipe

    wipe(session_graph)
    small_graph().load(session_graph)
    with TestClient(create_app(api_settings(request_timeout=20.0),
                               graph=session_graph)) as c:
        yield c


def _dates() -> st.SearchStrategy[Any]:
    text = st.one_of(st.dates().map(str), st.text(max_size=12),
                     st.sampled_from(["2025-13-01", "2025-02-30", "0000-01-01", "now", ""]))
    return text.map(lambda s: StringValueNode(value=s))


def _ids() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(FIRMS + ["chip:c0", "USA", "consortium:stargate",
                                              "dc:one", "firm:nope", "nope"]),
                     st.text(max_size=20))


def check(res: Any) -> None:
    """The invariants of every answer."""
    # no 500 (INTERNAL_ERROR); a query or request over its time budget may answer 504
    assert res.status_code < 500 or res.status_code == 504, (res.status_code, res.text)
    if res.status_code >= 400 or "errors" in res.text[:20]:
        # an error answer: no internal text (a page such as the Browser guide may name
        # the project's own files; an error never names anything inside)
        assert not INTERNAL.search(res.text), res.text[:2000]
        body = res.json()
        errors = body.get("errors") or ([body["error"]] if "error" in body else [])
        assert errors, res.text
        for err in errors:
            code = (err.get("extensions") or {}).get("code") if "extensions" in err \
                else err.get("code")
            assert code in HTTP_STATUS, res.text
            assert code != "INTERNAL_ERROR", res.text


def _query_fields(sdl: str) -> list[str]:
    from graphql import build_schema as build

    schema = build(sdl)
    assert schema.query_type is not None
    return [f for f in schema.query_type.fields]


def _strategy(mode: Mode) -> st.SearchStrategy[Any]:
    from api.graphql.mutation import Mutation
    from api.graphql.schema import build_schema

    sdl = str(build_schema(api_settings().limits, mutation=Mutation))
    return from_schema(sdl, fields=_query_fields(sdl), mode=mode,
                       custom_scalars={"Date": _dates(),
                                       "JSON": st.just(StringValueNode(value="{}"))})


@FUZZ
@given(query=_strategy(Mode.POSITIVE))
def test_generated_valid_operations(fuzz_client: TestClient, query: str) -> None:
    check(fuzz_client.post("/graphql", json={"query": query}))


@FUZZ
@given(query=_strategy(Mode.NEGATIVE))
def test_generated_invalid_operations(fuzz_client: TestClient, query: str) -> None:
    res = fuzz_client.post("/graphql", json={"query": query})
    check(res)
    assert res.json().get("errors"), res.text  # one violation: always an error


@FUZZ
@given(text=st.text(max_size=60), item=_ids(), hops=st.integers(-3, 12),
       day=st.one_of(st.none(), st.dates().map(str), st.text(max_size=12)),
       first=st.one_of(st.none(), st.integers(-5, 2**33)))
def test_generated_variables(fuzz_client: TestClient, text: str, item: str, hops: int,
                             day: str | None, first: int | None) -> None:
    """Values through variables, where no parser sees them before the resolvers."""
    query = ("query($t: String!, $i: String!, $h: Int!, $d: Date, $f: Int) { "
             "search(text: $t) { entity { id } } "
             "diversionRisk(item: $i, maxHops: $h, asOf: $d) { totalPaths } "
             "firms(first: $f) { totalCount } }")
    check(fuzz_client.post("/graphql", json={"query": query, "variables": {
        "t": text, "i": item, "h": hops, "d": day, "f": first}}))


def _rest_params() -> list[tuple[str, list[str]]]:
    app = create_app(api_settings())
    out = []
    for path, ops in app.openapi()["paths"].items():
        get = ops.get("get")
        if get is None or "{" in path:
            continue
        out.append((path, [p["name"] for p in get.get("parameters", [])
                           if p.get("in") == "query"]))
    return out


REST = _rest_params()


@FUZZ
@given(data=st.data())
def test_generated_rest_calls(fuzz_client: TestClient, data: st.DataObject) -> None:
    path, names = data.draw(st.sampled_from(REST))
    values = st.one_of(st.text(max_size=15), st.dates().map(str),
                       st.integers().map(str), st.sampled_from(["default", "2025-06-01"]))
    params = data.draw(st.dictionaries(st.sampled_from(names), values)) if names else {}
    check(fuzz_client.get(path, params=params))
