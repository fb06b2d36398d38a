"""Compiled entity pages (api/graphql/compiled.py): which queries compile, and that a
compiled answer is byte for byte the normal execution's, on the small graph, on the
bundled data (all pages of every label, aliases, __typename, relationship fields) and
on random graphs (names missing, empty, repeated, non-string properties)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.graphql.compiled import compile_page
from api.graphql.pagination import encode_cursor
from api.graphql.schema import build_schema
from api.settings import Limits
from graph.db import Graph
from tests.api.conftest import api_settings
from tests.api.test_compiled_questions import lane_of
from tests.queries.builder import Builder

PAGE = ("{ firms(first: 100) { nodes { id name headquarters { id name } "
        "designs { id name } } } }")


def _schema_and_limits() -> tuple[object, Limits]:
    limits = Limits(_env_file=None)  # type: ignore[call-arg]
    return build_schema(limits).graphql_schema, limits


@pytest.mark.parametrize("query", [
    PAGE,
    "{ chips { nodes { id } } }",
    '{ a: countries(first: 3, after: "aWQ6Q0hO") { b: nodes { __typename x: name iso2 } } }',
    "query Named { firms(first: 5) { nodes { description headquarters { region } } } }",
    "{ dataCenters(first: 2, after: null) { nodes { id operators { id } } } }",
    "{ firms(first: 5) { nodes { id x: id } } }",
    "query ($n: Int!) { firms(first: $n) { nodes { id } } }",               # variables
    "query Q($n: Int = 3, $a: String) { chips(first: $n, after: $a) { nodes { id } } }",
    "{ firms(first: 5) { totalCount nodes { id } } }",                      # totalCount
    "{ firms(first: 5) { nodes { id } n: totalCount t: totalCount } }",
    "{ firms(first: 5) { nodes { kind } } }",                               # list[string]
])
def test_compiles(query: str) -> None:
    schema, limits = _schema_and_limits()
    assert compile_page(schema, query, limits) is not None  # type: ignore[arg-type]


@pytest.mark.parametrize("query", [
    "{ firms(first: 5) { nodes { id } pageInfo { hasNextPage } } }",       # pageInfo
    "{ firms(first: 5) { edges { cursor node { id } } } }",                 # edges
    '{ firms(first: 5, filter: {name: "a"}) { nodes { id } } }',            # filter
    "query ($f: FirmFilter) { firms(filter: $f) { nodes { id } } }",        # filter
    "{ firms(first: 5) { nodes { ...F } } } fragment F on Firm { id }",     # fragment
    "{ firms(first: 5) { nodes { ... on Firm { id } } } }",                 # inline fragment
    "{ firms(first: 5) { nodes { id @include(if: true) } } }",              # directive
    "{ firms(first: 5) { nodes { id id } } }",                              # repeated key
    "{ firms(first: 5) { nodes { founded label aliases } } }",              # non-string
    "{ firms(first: 5) { nodes { owners { share } } } }",                   # edge type
    "{ firms(first: 5) { nodes { designs { designers { id } } } } }",       # nested rel
    "{ firms(first: 100000) { nodes { id } } }",                            # page limit
    "{ firms(first: 0) { nodes { id } } }",
    '{ firms(first: 5, after: "nope") { nodes { id } } }',                  # bad cursor
    "{ firms(first: 5) { nodes { nope } } }",                               # invalid
    "{ firms(first: 5) { nodes { id } } chips { nodes { id } } }",          # two roots
    "mutation { __typename }",
    "{ __typename }",
    "{ firms(first: 2) { __typename } }",
    "{ firms(first: 2) { nodes { id } nodes2: nodes { id } } }",
])
def test_does_not_compile(query: str) -> None:
    schema, limits = _schema_and_limits()
    assert compile_page(schema, query, limits) is None  # type: ignore[arg-type]


def _both(client: TestClient, query: str, variables: dict[str, Any] | None = None
          ) -> tuple[bytes, bytes, bool]:
    """The response bytes with compiled pages on and off, and whether the compiled path
    answered (the lane took the request)."""
    compiled = client.app.state.compiled_pages  # type: ignore[attr-defined]
    lane = lane_of(client.app)
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    compiled.enabled = True
    before = lane.answered
    on = client.post("/graphql", json=body)
    used = lane.answered == before + 1
    compiled.enabled = False
    off = client.post("/graphql", json=body)
    compiled.enabled = True
    assert lane.answered == before + used
    assert on.status_code == off.status_code == 200
    return on.content, off.content, used


def _queries(client: TestClient, label_field: str, fields: str) -> list[str]:
    """Every page of a label (cursors from the normal path), 7 at a time."""
    queries, after = [], None
    while True:
        arg = f', after: "{after}"' if after else ""
        queries.append(f"{{ {label_field}(first: 7{arg}) {{ nodes {{ {fields} }} }} }}")
        res = client.post("/graphql", json={"query": f"{{ {label_field}(first: 7{arg}) "
                                            "{ nodes { id } pageInfo { hasNextPage } } }"})
        page = res.json()["data"][label_field]
        if not page["pageInfo"]["hasNextPage"]:
            return queries
        after = encode_cursor(page["nodes"][-1]["id"])


@pytest.mark.neo4j
def test_same_bytes_on_the_small_graph(client: TestClient) -> None:
    for label_field, fields in [
        ("firms", "id name description website headquarters { id name iso2 __typename } "
                  "designs { id name kind eccn } fabricates { name }"),
        ("chips", "__typename id n: name kind d: description"),
        ("countries", "id name region iso2 iso3"),
        ("dataCenters", "id status city operators { id name }"),
    ]:
        for q in _queries(client, label_field, fields):
            on, off, used = _both(client, q)
            assert used, q
            assert on == off, q


@pytest.mark.neo4j
def test_same_bytes_on_the_bundled_data(bundled_client: TestClient) -> None:
    on, off, used = _both(bundled_client, PAGE)
    assert used and on == off
    assert len(bundled_client.post("/graphql", json={"query": PAGE}).json()[
        "data"]["firms"]["nodes"]) == 100
    for label_field, fields in [
        ("firms", "id name kind headquarters { id name } designs { id name } "
                  "develops { id name description } operates { id city }"),
        ("chips", "id name kind eccn designers { id name } fabricators { name }"),
        ("models", "id name domain developers { id }"),
        ("inputs", "id name type stage"),
    ]:
        for q in _queries(bundled_client, label_field, fields)[:8]:
            on, off, used = _both(bundled_client, q)
            assert used, q
            assert on == off, q
    # the count with the page, in selection order, as Strawberry answers it
    for q in ("{ firms(first: 3) { totalCount nodes { id } } }",
              '{ chips(first: 2, after: "aWQ6Y2hpcDp4") { nodes { id } n: totalCount } }'):
        on, off, used = _both(bundled_client, q)
        assert used and on == off, q
    # an answer that does not compile goes through the normal path unchanged
    on, off, used = _both(bundled_client, "{ firms(first: 3) { pageInfo { hasNextPage } "
                                          "nodes { id } } }")
    assert not used and on == off


VARIABLE_PAGE = ("query Page($n: Int!, $a: String) { firms(first: $n, after: $a) { nodes "
                 "{ id name headquarters { id name } designs { id name } } } }")


@pytest.mark.neo4j
def test_same_bytes_with_variables(bundled_client: TestClient) -> None:
    for variables in ({"n": 100}, {"n": 7, "a": encode_cursor("firm:nvidia")},
                      {"n": 3, "a": None}):
        on, off, used = _both(bundled_client, VARIABLE_PAGE, variables)
        assert used, variables
        assert on == off, variables
        assert b'"errors"' not in on
    q = "query ($n: Int = 5) { chips(first: $n) { nodes { id kind designers { name } } } }"
    on, off, used = _both(bundled_client, q, {})
    assert used and on == off
    # what the compiled path does not take: Strawberry answers or reports it
    for variables in ({"n": 100000}, {"n": "x"}, {}, {"n": 5, "a": "nope"}):
        on, off, used = _both(bundled_client, VARIABLE_PAGE, variables)
        assert not used and on == off, variables
        assert b'"errors"' in on, variables
    on, off, used = _both(bundled_client, VARIABLE_PAGE, {"n": 0})  # an empty page
    assert not used and on == off == b'{"data":{"firms":{"nodes":[]}}}'


names = st.one_of(st.none(), st.just(""), st.sampled_from(["Same", "Other"]),
                  st.text(max_size=6), st.integers(-5, 5))
kinds = st.one_of(st.none(), st.just("foundry"),
                  st.lists(st.sampled_from(["foundry", "cloud", "ai_lab"]), max_size=3))


@pytest.mark.neo4j
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(firms=st.lists(st.tuples(names, names, st.sampled_from(["USA", "CHN", None]),
                                kinds), min_size=0, max_size=9),
       chips=st.lists(st.tuples(names, st.lists(st.integers(0, 8), max_size=3)),
                      max_size=6))
def test_same_bytes_on_random_graphs(graph: Graph, firms: list, chips: list) -> None:
    graph.write("MATCH (n) DETACH DELETE n")
    b = Builder()
    b.node("USA", "United States")
    b.node("CHN", None)
    for i, (name, desc, hq, kind) in enumerate(firms):
        props = {} if desc is None else {"description": desc}
        if kind is not None:
            props["kind"] = kind
        b.node(f"firm:f{i}", None, **props)
        if name is None:
            b.nodes[f"firm:f{i}"].props.pop("name")
        else:
            b.nodes[f"firm:f{i}"].props["name"] = name
        if hq:
            b.rel("HEADQUARTERED_IN", f"firm:f{i}", hq)
    for j, (name, designers) in enumerate(chips):
        b.node(f"chip:c{j}", None)
        b.nodes[f"chip:c{j}"].props["name"] = name if name is not None else f"chip {j}"
        for d in designers:
            if d < len(firms):
                b.rel("DESIGNS", f"firm:f{d}", f"chip:c{j}")
    b.load(graph)
    with TestClient(create_app(api_settings(), graph=graph)) as client:
        for q in [PAGE, "{ firms(first: 2) { nodes { name kind description "
                        "headquarters { name } designs { name id } } } }",
                  '{ firms(first: 4, after: "aWQ6ZmlybTpmMg==") { nodes { id designs '
                  "{ __typename name } } } }",
                  "{ chips(first: 3) { nodes { id name designers { name } } } }"]:
            on, off, used = _both(client, q)
            assert used, q
            assert on == off, q
