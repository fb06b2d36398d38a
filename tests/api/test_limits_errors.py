"""Limits and error codes: each limit, when exceeded, answers an error whose
``extensions.code`` names it; domain errors map to HTTP statuses on the REST endpoints."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.errors import status_for
from api.graphql.limits import Pricing, measure_operation, traversal_estimate
from api.graphql.schema import build_schema
from api.settings import Limits
from graph.db import Graph
from graph.errors import QueryTimeout
from queries import entities
from tests.api.conftest import api_settings, gql

pytestmark = pytest.mark.neo4j


def code(out: dict) -> str:
    assert "errors" in out, out
    return out["errors"][0]["extensions"]["code"]


@pytest.fixture()
def tight(small: Graph) -> Iterator[TestClient]:
    settings = api_settings(max_depth=5, max_complexity=300, max_page_size=10, max_hops=3,
                            max_fanout=50.0, analytic_cost=1)
    with TestClient(create_app(settings, graph=small)) as c:
        yield c


def test_depth_limit(tight: TestClient) -> None:
    ok = gql(tight, "{ node(id: \"firm:alpha\") { ... on Firm { designs { designers { id } } } } }")
    assert "errors" not in ok, ok
    deep = ("{ node(id: \"firm:alpha\") { ... on Firm { designs { designers { designs "
            "{ designers { id } } } } } } }")
    assert code(gql(tight, deep)) == "DEPTH_LIMIT"


def test_depth_counts_fragments(tight: TestClient) -> None:
    q = """query { node(id: "firm:alpha") { ...F } }
        fragment F on Firm { designs { designers { designs { designers { id } } } } }"""
    assert code(gql(tight, q)) == "DEPTH_LIMIT"


def test_complexity_limit_uses_page_sizes_and_variables(tight: TestClient) -> None:
    q = "query($n: Int!) { firms(first: $n) { nodes { id designs { id designers { id } } } } }"
    assert "errors" not in gql(tight, q, {"n": 2})
    assert code(gql(tight, q, {"n": 10})) == "COMPLEXITY_LIMIT"


def test_page_size_limit(tight: TestClient) -> None:
    assert code(gql(tight, "{ firms(first: 11) { totalCount } }")) == "PAGE_SIZE_LIMIT"
    assert code(gql(tight, "query($n: Int!) { chips(first: $n) { totalCount } }",
                    {"n": 500})) == "PAGE_SIZE_LIMIT"


def test_hops_limit(tight: TestClient) -> None:
    out = gql(tight, '{ paths(source: "firm:alpha", target: "firm:gamma", maxHops: 4) '
                     '{ paths { length } } }')
    assert code(out) == "HOPS_LIMIT"


def test_fanout_budget(tight: TestClient, small: Graph) -> None:
    """Three hops pass the hop limit; whether they pass the fan-out budget depends on the
    graph's measured mean degree, computed here independently."""
    n = small.read("MATCH (n) RETURN count(n) AS c")[0]["c"]
    r = small.read("MATCH ()-[r]->() RETURN count(r) AS c")[0]["c"]
    assert entities.mean_out_degree(small) == pytest.approx(max(1.0, r / n))
    over = traversal_estimate(max(1.0, r / n), 3) > 50.0
    out = gql(tight, '{ paths(source: "firm:alpha", target: "firm:gamma", maxHops: 3) '
                     '{ paths { length } } }')
    if over:
        assert code(out) == "FANOUT_LIMIT"
    else:
        assert "errors" not in out, out
    # with one hop the estimate is the degree itself: always under 50 here
    out = gql(tight, '{ paths(source: "firm:alpha", target: "USA", maxHops: 1) '
                     '{ paths { length } } }')
    assert "errors" not in out, out


def test_pricing_is_the_apps_own(small: Graph) -> None:
    """The degree a path question measures prices that app's requests only: a second
    app in the same process still prices with its own (1 before any measure)."""
    n = small.read("MATCH (n) RETURN count(n) AS c")[0]["c"]
    r = small.read("MATCH ()-[r]->() RETURN count(r) AS c")[0]["c"]
    first, second = create_app(api_settings(), graph=small), create_app(api_settings(),
                                                                         graph=small)
    with TestClient(first) as a, TestClient(second):
        out = gql(a, '{ paths(source: "firm:alpha", target: "USA", maxHops: 1) '
                     '{ paths { length } } }')
        assert "errors" not in out, out
        assert first.state.pricing.degree == pytest.approx(max(1.0, r / n))
        assert second.state.pricing.degree == 1.0
        assert first.state.pricing is not second.state.pricing


def test_pricing_measures_per_text_and_degree(small: Graph) -> None:
    """Measures kept per query text (not per document id(): documents are freed and their
    ids reused): each text gets its own measure, the same text the kept one, and a new
    degree prices the traversal again."""
    limits = Limits(_env_file=None)  # type: ignore[call-arg]
    schema = build_schema(limits).graphql_schema
    pricing = Pricing(size=2)
    from graphql import parse

    texts = ['{ firms(first: 3) { nodes { id } } }',
             '{ diversionRisk(item: "chip:c0", maxHops: 6) { totalPaths } }']
    costs = []
    for _ in range(3):  # fresh documents every round: ids may repeat, answers must not
        for text in texts:
            m = pricing.measure(schema, parse(text), text, None, None, limits)
            expected = measure_operation(schema, parse(text), None, None, limits, 1.0)
            assert m.cost == expected.cost
            costs.append(m.cost)
    assert costs[0] != costs[1] and costs[:2] * 3 == costs
    kept = pricing.measure(schema, parse(texts[1]), texts[1], None, None, limits)
    assert pricing.measure(schema, parse(texts[1]), texts[1], None, None, limits) is kept
    n = small.read("MATCH (n) RETURN count(n) AS c")[0]["c"]
    r = small.read("MATCH ()-[r]->() RETURN count(r) AS c")[0]["c"]
    degree = max(1.0, r / n)
    assert degree > 1.0  # the small graph has more relationships than nodes
    assert pricing.mean_out_degree(small) == pytest.approx(degree)  # as a path question
    dearer = pricing.measure(schema, parse(texts[1]), texts[1], None, None, limits)
    assert dearer.cost > kept.cost
    assert dearer.cost == measure_operation(schema, parse(texts[1]), None, None, limits,
                                            pricing.degree).cost


def test_domain_errors_have_codes(client: TestClient) -> None:
    out = gql(client, '{ diversionRisk(item: "chip:nope") { totalPaths } }')
    assert code(out) == "NOT_FOUND"
    assert "hint" in out["errors"][0]["extensions"]
    out = gql(client, '{ diversionRisk(item: "chip:c0", scenario: "/etc/passwd") '
                      '{ totalPaths } }')
    assert code(out) == "BAD_ARGUMENT"
    out = gql(client, '{ nope }')
    assert code(out) == "GRAPHQL_VALIDATION"


def test_rest_errors_map_to_http(client: TestClient) -> None:
    res = client.get("/exposure/consortia.json", params={"scenario": "no-such-scenario"})
    assert res.status_code == 400
    assert res.json()["error"]["code"] == "BAD_ARGUMENT"


def test_query_timeout_is_passed_to_neo4j(small: Graph) -> None:
    """The app's graph carries the configured timeout, Neo4j enforces it on a slow query,
    and the error is QUERY_TIMEOUT, a 504."""
    settings = api_settings(query_timeout=0.5)
    with TestClient(create_app(settings)) as c:  # the app opens its own driver
        app_graph = c.app.state.graph  # type: ignore[attr-defined]
        assert app_graph.timeout == 0.5
        with pytest.raises(QueryTimeout) as err:
            app_graph.read("UNWIND range(1, 400000000) AS x WITH x WHERE x % 7 = 1234567 "
                           "RETURN count(*) AS c")
    assert status_for(err.value) == 504
    assert err.value.code == "QUERY_TIMEOUT"
