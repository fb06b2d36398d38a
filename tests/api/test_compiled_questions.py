"""Compiled questions (api/graphql/compiled_questions.py): which operations compile, and
that a compiled answer is byte for byte the normal execution's — every question, whole
answers (every field of every answer type, with ``__typename``), aliases, the bench's
queries, errors (bad ids, bad arguments, limits) — on the small graph, the bundled data
and random supply and ownership graphs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from graphql import GraphQLObjectType, get_named_type
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.graphql.compiled_questions import compile_question
from api.graphql.lane import CompiledLane
from api.graphql.schema import build_schema
from api.settings import Limits
from graph.db import Graph
from tests.api.conftest import api_settings
from tests.queries.builder import Builder
from tests.queries.test_chokepoints import INPUTS, load_supply, supply
from tests.queries.test_stakes import FIRMS as OWNED
from tests.queries.test_stakes import ownership

DAY = "2025-06-01"
SCHEMA = build_schema(Limits(_env_file=None))  # type: ignore[call-arg]


def selection(type_name: str, alias: bool = False, depth: int = 0) -> str:
    """Every field of an answer type, recursively (``entity`` left out: a resolver),
    with ``__typename`` at every level; ``alias`` renames every field."""
    obj = SCHEMA.graphql_schema.type_map[type_name]
    assert isinstance(obj, GraphQLObjectType) and depth < 8
    parts = ["t: __typename" if alias else "__typename"]
    for name, field in obj.fields.items():
        if name == "entity":
            continue
        named = get_named_type(field.type)
        sub = selection(named.name, alias, depth + 1) \
            if isinstance(named, GraphQLObjectType) else ""
        parts.append((f"a_{name}: " if alias else "") + f"{name} {sub}".strip())
    return "{ " + " ".join(parts) + " }"


def whole(field: str, args: str, alias: bool = False) -> str:
    """An operation asking ``field(args)`` for its whole answer."""
    root = SCHEMA.graphql_schema.query_type
    assert root is not None
    rtype = get_named_type(root.fields[field].type).name
    return f"{{ {'q: ' if alias else ''}{field}({args}) {selection(rtype, alias)} }}"


def test_compiles_every_question_whole() -> None:
    limits = Limits(_env_file=None, max_depth=30, max_complexity=10**9)  # type: ignore[call-arg]
    for field, args in [("diversionRisk", 'item: "x"'), ("foreignStakes", 'firm: "x"'),
                        ("americanStackStakes", ""), ("reverseStakes", ""),
                        ("chokepoints", ""), ("whatIf", 'remove: ["TWN"]'),
                        ("consortiumExposure", ""), ("paths", 'source: "a", target: "b"')]:
        q = whole(field, args) if args else whole(field, "").replace("()", "")
        assert compile_question(SCHEMA, q, limits) is not None, field
        assert compile_question(SCHEMA, q.replace("{ ", "{ q: ", 1), limits) is not None


@pytest.mark.parametrize("query", [
    '{ foreignStakes(firm: "f") { country } }',
    '{ x: foreignStakes(firm: "f", asOf: "2025-01-01", maxDepth: 3) { c: country } }',
    '{ whatIf(remove: ["TWN", "firm:tsmc"], limit: 2) { removed { id } } }',
    '{ consortiumExposure { consortia { membersByCountry { key value __typename } } } }',
    '{ chokepoints(threshold: 50) { __typename asOf } }',
    'query ($f: String!) { foreignStakes(firm: $f) { country } }',          # variables
    'query Q($r: [String!]!, $d: Date) { whatIf(remove: $r, asOf: $d) { removed { id } } }',
])
def test_compiles(query: str) -> None:
    assert compile_question(SCHEMA, query, Limits(_env_file=None)) is not None  # type: ignore[call-arg]


@pytest.mark.parametrize("query", [
    '{ foreignStakes(firm: "f") { country } __typename }',                   # two roots
    '{ foreignStakes(firm: "f") { ...F } } fragment F on StakesResult { country }',
    '{ foreignStakes(firm: "f") { ... on StakesResult { country } } }',     # inline frag
    '{ foreignStakes(firm: "f") { country @include(if: true) } }',          # directive
    '{ foreignStakes(firm: "f") { country country } }',                     # repeated key
    '{ foreignStakes(firm: "f") { target { entity { id } } } }',            # a resolver
    '{ foreignStakes(firm: 3) { country } }',                               # invalid
    '{ foreignStakes(firm: "f") { nope } }',                                # invalid
    '{ foreignStakes(firm: "f", asOf: "not a day") { country } }',          # bad literal
    '{ firms { nodes { id } } }',                                           # not a question
    '{ __typename }',
    'mutation { __typename }',
])
def test_does_not_compile(query: str) -> None:
    assert compile_question(SCHEMA, query, Limits(_env_file=None)) is None  # type: ignore[call-arg]


def test_limits_are_checked_at_compile_time() -> None:
    q = whole("foreignStakes", 'firm: "f"')
    assert compile_question(SCHEMA, q, Limits(_env_file=None, max_depth=3)) is None  # type: ignore[call-arg]
    assert compile_question(SCHEMA, q, Limits(_env_file=None, max_complexity=5)) is None  # type: ignore[call-arg]


def lane_of(app: Any) -> CompiledLane:
    """The app's compiled lane (a middleware of the built stack)."""
    layer = app.middleware_stack
    while layer is not None and not isinstance(layer, CompiledLane):
        layer = getattr(layer, "app", None)
    assert layer is not None
    return layer


def _both(client: TestClient, query: str, headers: dict[str, str] | None = None,
          variables: dict[str, Any] | None = None) -> tuple[bytes, bytes, bool]:
    """The response bytes with compiled questions on and off, and whether the compiled
    path answered (the lane took the request). Status and headers must be the same."""
    compiled = client.app.state.compiled_questions  # type: ignore[attr-defined]
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    lane = lane_of(client.app)
    compiled.enabled = True
    before = lane.answered
    on = client.post("/graphql", json=body, headers=headers or {})
    used = lane.answered == before + 1
    compiled.enabled = False
    off = client.post("/graphql", json=body, headers=headers or {})
    compiled.enabled = True
    assert lane.answered == before + used  # the lane never answers a query not compiled
    assert on.status_code == off.status_code, query
    assert _headers(on) == _headers(off), query
    return on.content, off.content, used


def _headers(res: Any) -> dict[str, str]:
    """The response headers but the request id (a new one per request, api/guard.py)."""
    return {k: v for k, v in res.headers.items() if k.lower() != "x-request-id"}


@pytest.fixture()
def wide(bundled: Graph) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(max_depth=30, max_complexity=10**9),
                               graph=bundled)) as c:
        yield c


BUNDLED = [
    ("diversionRisk", f'item: "chip:nvidia-h100-sxm", maxHops: 4, asOf: "{DAY}"'),
    ("foreignStakes", f'firm: "firm:openai", asOf: "{DAY}"'),
    ("americanStackStakes", f'asOf: "{DAY}", maxDepth: 3'),
    ("reverseStakes", 'firm: null'),
    ("chokepoints", f'target: "chip:nvidia-h100-sxm", asOf: "{DAY}"'),
    ("chokepoints", 'threshold: 50, remove: ["TWN"], limit: 3'),
    ("whatIf", f'remove: ["TWN"], asOf: "{DAY}"'),
    ("whatIf", 'remove: ["TWN", "KOR"], limit: 1, scenario: "default"'),
    ("consortiumExposure", f'consortium: "consortium:stargate-uae", asOf: "{DAY}"'),
    ("consortiumExposure", 'threshold: 70, maxHops: 3'),
    ("paths", 'source: "firm:nvidia", target: "TWN", maxHops: 3'),
    ("paths", 'source: "firm:nvidia", target: "TWN", maxHops: 3, all: true, limit: 5, '
              'types: ["DESIGNS", "FABRICATES", "HEADQUARTERED_IN"]'),
]


@pytest.mark.neo4j
def test_same_bytes_on_the_bundled_data(wide: TestClient) -> None:
    from bench.api import question_queries, with_variables

    for name, args in BUNDLED:
        for alias in (False, True):
            q = whole(name, args, alias)
            on, off, used = _both(wide, q)
            assert used, q
            assert on == off, q
            assert b'"errors"' not in on, on[:300]
    for name, _, q in question_queries():  # the bench's queries, exactly
        on, off, used = _both(wide, q)
        assert used and on == off, name
        vq, values = with_variables(q)  # and as the bench sends them with variables
        von, voff, vused = _both(wide, vq, variables=values)
        assert vused and von == voff == on, name


ERRORS = [
    ('{ foreignStakes(firm: "firm:nope") { country } }', "NOT_FOUND"),
    ('{ diversionRisk(item: "nope") { totalPaths } }', None),
    ('{ whatIf(remove: []) { removed { id } } }', "BAD_ARGUMENT"),
    ('{ whatIf(remove: ["XXY"]) { removed { id } } }', None),
    ('{ chokepoints(scenario: "nope") { asOf } }', "BAD_ARGUMENT"),
    ('{ paths(source: "firm:nvidia", target: "TWN", maxHops: 99) { mode } }', "HOPS_LIMIT"),
    ('{ consortiumExposure(consortium: "consortium:nope") { asOf } }', None),
]


#: The questions with variables: (query, variables), the same answers as Strawberry's.
WITH_VARIABLES = [
    ("query ($f: String!, $d: Date) { foreignStakes(firm: $f, asOf: $d) "
     "{ country foreignShare { low high } owners { owner { id name } } } }",
     {"f": "firm:openai", "d": DAY}),
    ("query Q($r: [String!]!, $l: Int) { whatIf(remove: $r, limit: $l) "
     "{ removed { id } inputs { input { id } shareLost } } }", {"r": ["TWN", "KOR"], "l": 2}),
    ("query ($r: [String!]!) { whatIf(remove: $r) { removed { id } } }", {"r": "TWN"}),
    ("query ($t: String, $th: Float = 50) { chokepoints(target: $t, threshold: $th) "
     "{ asOf threshold chokepoints inputs { input { id } } } }", {"t": "chip:nvidia-h100-sxm"}),
    ("query ($c: String, $h: Int!) { consortiumExposure(consortium: $c, maxHops: $h) "
     "{ asOf consortia { id name membersByCountry { key value } } } }",
     {"c": "consortium:stargate-uae", "h": 3}),
    ("query ($s: String!, $t: String!, $all: Boolean!, $types: [String!]) "
     "{ paths(source: $s, target: $t, all: $all, types: $types, maxHops: 3) "
     "{ mode paths { length hops { type fromId toId } } } }",
     {"s": "firm:nvidia", "t": "TWN", "all": True,
      "types": ["DESIGNS", "FABRICATES", "HEADQUARTERED_IN"]}),
]


@pytest.mark.neo4j
def test_same_bytes_with_variables(bundled_client: TestClient) -> None:
    for q, variables in WITH_VARIABLES:
        on, off, used = _both(bundled_client, q, variables=variables)
        assert used, q
        assert on == off, q
        assert b'"errors"' not in on, on[:300]


@pytest.mark.neo4j
def test_variables_the_lane_does_not_take(bundled_client: TestClient) -> None:
    """Variables that do not coerce, or exceed a limit: Strawberry reports them."""
    q = "query ($f: String!, $d: Date, $m: Int) { foreignStakes(firm: $f, asOf: $d, " \
        "maxDepth: $m) { country } }"
    for variables in ({}, {"f": 3}, {"f": "firm:openai", "d": "not a day"},
                      {"f": None}, {"f": "firm:openai", "m": "six"}):
        on, off, used = _both(bundled_client, q, variables=variables)
        assert not used and on == off, variables
        assert b'"errors"' in on, on
    # a variable-free operation: extra variables are ignored, by both paths
    on, off, used = _both(bundled_client, '{ foreignStakes(firm: "firm:openai") { country } }',
                          variables={"x": 1})
    assert used and on == off


@pytest.mark.neo4j
def test_errors_are_strawberrys(bundled_client: TestClient) -> None:
    """A question's own error is answered by the compiled path in Strawberry's words."""
    for q, code in ERRORS:
        on, off, used = _both(bundled_client, q)
        assert on == off, q
        assert b'"errors"' in on and b'"code"' in on, on
        if code is not None:
            assert f'"code":"{code}"'.encode() in on, on
    # limits exceeded: not compiled, the same error
    with TestClient(create_app(api_settings(max_depth=3), graph=bundled_client.app.state.graph)  # type: ignore[attr-defined]
                    ) as c:
        on, off, used = _both(c, whole("foreignStakes", 'firm: "firm:openai"'))
        assert not used and on == off and b"DEPTH_LIMIT" in on


@pytest.mark.neo4j
def test_same_bytes_on_the_small_graph(client: TestClient) -> None:
    for name, args in [("foreignStakes", 'firm: "firm:gamma"'),
                       ("whatIf", 'remove: ["USA"]'),
                       ("americanStackStakes", ""),
                       ("diversionRisk", 'item: "chip:c0"'),
                       ("paths", 'source: "firm:alpha", target: "USA", all: true'),
                       # its chips REQUIRE no inputs (once an INTERNAL_ERROR)
                       ("consortiumExposure", 'consortium: "consortium:stargate"')]:
        q = whole(name, args) if args else whole(name, "").replace("()", "")
        on, off, used = _both(client, q)
        assert used and on == off, q
        assert b'"errors"' not in on, on[:300]


@pytest.mark.neo4j
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=supply(), target=st.sampled_from(INPUTS), owned=ownership(),
       firm=st.sampled_from(OWNED[:3]))
def test_same_bytes_on_random_graphs(graph: Graph, data: dict[str, Any], target: str,
                                     owned: Any, firm: str) -> None:
    load_supply(graph, data)
    edges, hq = owned
    b = Builder()
    for f in OWNED:
        b.node(f)
    for (a, bb), s in edges.items():
        b.rel("OWNS", a, bb, **({} if s is None else {"share": s}))
    for f, c in hq.items():
        if c not in ("USA", "NLD", "JPN"):
            b.node(c, label="Country")
        b.rel("HEADQUARTERED_IN", f, c)
    b.load(graph)
    remove = ", ".join(f'"{r}"' for r in data["remove"] or ["USA"])
    with TestClient(create_app(api_settings(max_depth=30, max_complexity=10**9),
                               graph=graph)) as client:
        for name, args in [("chokepoints", f'target: "{target}"'),
                           ("chokepoints", f"remove: [{remove}], threshold: 40"),
                           ("whatIf", f"remove: [{remove}]"),
                           ("foreignStakes", f'firm: "{firm}"'),
                           ("paths", f'source: "{firm}", target: "{target}", all: true')]:
            for alias in (False, True):
                q = whole(name, args, alias)
                on, off, used = _both(client, q)
                assert on == off, q
                assert used or b'"errors"' in on, q


@pytest.mark.neo4j
def test_keys_are_checked_on_the_compiled_lane(small: Graph) -> None:
    from api.settings import make_settings
    from tests.conftest import test_settings

    settings = make_settings(test_settings(STACKGRAPH_API_HOST="0.0.0.0",
                                           STACKGRAPH_API_KEYS="read:k-read-123456"),
                             Limits(_env_file=None))  # type: ignore[call-arg]
    q = '{ foreignStakes(firm: "firm:gamma") { country owners { country } } }'
    with TestClient(create_app(settings, graph=small)) as c:
        for headers in ({}, {"X-API-Key": "wrong"}):
            on, off, used = _both(c, q, headers)
            assert not used and on == off and b"UNAUTHENTICATED" in on
        on, off, used = _both(c, q, {"X-API-Key": "k-read-123456"})
        assert used and on == off and b'"errors"' not in on


@pytest.mark.neo4j
def test_other_requests_pass_the_lane(client: TestClient) -> None:
    q = '{ foreignStakes(firm: "firm:gamma") { country } }'
    lane = lane_of(client.app)
    for body in ({"query": q, "operationName": "X"}, {"query": q, "variables": [1]},
                 {"query": q, "extensions": {"persistedQuery": {}}},
                 [{"query": q}], {"query": 3}):
        before = lane.answered
        client.post("/graphql", json=body)
        assert lane.answered == before, body
    before = lane.answered
    assert client.post("/graphql", content=q, headers={"content-type": "application/graphql"}
                       ).status_code in (200, 400, 415)
    assert client.get("/graphql", headers={"accept": "text/html"}).status_code == 200
    assert lane.answered == before
    assert client.post("/graphql", json={"query": q, "variables": None}).json() == \
        client.post("/graphql", json={"query": q}).json()
    assert lane.answered == before + 2


@pytest.mark.neo4j
def test_a_failed_question_runs_once(client: TestClient,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A question that fails on the compiled path (here: Neo4j's transaction timeout) is
    reported there, with Strawberry's bytes, without running a second time (a timed-out
    question would otherwise cost twice the timeout)."""
    import queries.stakes
    from graph.errors import QueryTimeout

    calls: list[str] = []

    def timing_out(graph: Graph, firm: str, **kw: Any) -> Any:
        calls.append(firm)
        raise QueryTimeout("the query ran past its 30 s timeout", hint="ask for less")

    monkeypatch.setattr(queries.stakes, "stakes", timing_out)
    on, off, used = _both(client, whole("foreignStakes", 'firm: "firm:gamma"'))
    assert on == off and b"QUERY_TIMEOUT" in on and used
    assert calls == ["firm:gamma", "firm:gamma"]  # once with the lane on, once off
