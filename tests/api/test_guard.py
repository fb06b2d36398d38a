"""The API's guard (api/guard.py) and the one error shape (api/errors.py): request ids,
size and rate limits, the wall-clock budget, BAD_ARGUMENT for bad values everywhere,
INTERNAL_ERROR without internals; and the abuse cases of issue 15 (alias bomb, deep
fragment spread, a 20 MB variable, invalid search syntax, a burst over the rate limit).
The slow client needs a real server: tests/api/test_served.py."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.errors import HTTP_STATUS
from api.settings import make_settings
from graph.db import Graph
from graph.errors import StackgraphError
from tests.api.conftest import api_settings, gql
from tests.conftest import ROOT, test_settings

pytestmark = pytest.mark.neo4j

Q = "{ firms { totalCount } }"


def gql_code(res) -> str:  # type: ignore[no-untyped-def]
    body = res.json()
    assert body.get("errors"), body
    return str(body["errors"][0]["extensions"]["code"])


def rest_code(res) -> str:  # type: ignore[no-untyped-def]
    body = res.json()
    assert set(body["error"]) == {"code", "message", "hint"}, body
    return str(body["error"]["code"])


def with_wait_route(app):  # type: ignore[no-untyped-def]
    """A route that waits for an event nobody sets: a request that always overruns."""
    @app.get("/test/wait")
    async def wait() -> dict[str, str]:
        await asyncio.Event().wait()
        return {}

    @app.get("/test/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError("secret internals at /srv/app.py line 3")
    return app


@pytest.fixture()
def guarded(small: Graph) -> Iterator[TestClient]:
    settings = api_settings(rate_limit="off", request_timeout=2.0, max_query_chars=2000,
                            max_tokens=300, max_variables_bytes=1000, max_body_bytes=10_000)
    with TestClient(with_wait_route(create_app(settings, graph=small))) as c:
        yield c


# -- request ids and internal errors ------------------------------------------------------

def test_every_answer_has_a_request_id_and_a_given_one_is_kept(guarded: TestClient) -> None:
    res = guarded.post("/graphql", json={"query": Q})
    assert re.fullmatch(r"[0-9a-f]{32}", res.headers["x-request-id"])
    res = guarded.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert res.headers["x-request-id"] == "abc-123"
    res = guarded.get("/healthz", headers={"X-Request-Id": "bad id;drop"})
    assert res.headers["x-request-id"] != "bad id;drop"


def test_an_unexpected_error_answers_internal_error_with_the_id_only(
        guarded: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="stackgraph.api"):
        res = guarded.get("/test/boom")
    assert res.status_code == 500 and rest_code(res) == "INTERNAL_ERROR"
    rid = res.headers["x-request-id"]
    assert rid in res.json()["error"]["message"] and "secret" not in res.text
    logged = [r for r in caplog.records if rid in r.getMessage()]
    assert logged and "secret internals" in str(logged[0].exc_info[1])  # type: ignore[index]


def test_a_graphql_error_outside_the_table_is_internal(
        guarded: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Neo4j error the API does not expect (code STACKGRAPH_ERROR, driver text in its
    message) reaches the client as INTERNAL_ERROR with the request id only."""
    from queries import entities

    def failing(*args: object, **kwargs: object) -> object:
        raise StackgraphError("Neo4j error: {code: Neo.ClientError.Procedure...} secret")

    monkeypatch.setattr(entities, "search", failing)
    res = guarded.post("/graphql", json={"query": '{ search(text: "alpha") { score } }'})
    assert gql_code(res) == "INTERNAL_ERROR"
    assert "Neo" not in res.text and "secret" not in res.text
    assert res.headers["x-request-id"] in res.json()["errors"][0]["message"]


# -- BAD_ARGUMENT everywhere ----------------------------------------------------------------

@pytest.mark.parametrize("query,variables", [
    ('{ diversionRisk(item: "chip:c0", asOf: "2025-13-01") { origin { id } } }', None),
    ('query($d: Date) { diversionRisk(item: "chip:c0", asOf: $d) { origin { id } } }',
     {"d": "yesterday"}),
    ("{ firms(first: 99999999999) { totalCount } }", None),
    ('query($n: Int) { firms(first: $n) { totalCount } }', {"n": "ten"}),
    ('{ chokepoints(threshold: "high") { inputs { input { id } } } }', None),
])
def test_bad_values_in_graphql_are_bad_argument(guarded: TestClient, query: str,
                                                variables: dict | None) -> None:
    out = gql(guarded, query, variables)
    assert out["errors"][0]["extensions"]["code"] == "BAD_ARGUMENT", out
    assert out["errors"][0]["extensions"]["hint"]


def test_a_malformed_query_stays_graphql_validation(guarded: TestClient) -> None:
    assert gql(guarded, "{ nope }")["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION"


@pytest.mark.parametrize("params", ["as_of=2025-13-01", "as_of=soon", "as_of=20250101x"])
def test_bad_rest_parameters_are_400_bad_argument(guarded: TestClient, params: str) -> None:
    res = guarded.get(f"/exposure/consortia.json?{params}")
    assert res.status_code == 400 and rest_code(res) == "BAD_ARGUMENT"
    assert "as_of" in res.json()["error"]["message"]


def test_unknown_paths_methods_and_bodies_answer_with_a_code(guarded: TestClient) -> None:
    res = guarded.get("/no/such/page")
    assert res.status_code == 404 and rest_code(res) == "NOT_FOUND"
    res = guarded.delete("/exposure/consortia.json")
    assert res.status_code == 405 and rest_code(res) == "METHOD_NOT_ALLOWED"
    res = guarded.post("/graphql", content=b"{not json",
                       headers={"content-type": "application/json"})
    assert res.status_code == 400 and gql_code(res) == "BAD_ARGUMENT"


# -- full-text search: plain text ------------------------------------------------------------

@pytest.mark.parametrize("text", ['nvid* AND ("foo', "alpha AND", "OR", "NOT alpha",
                                  "a:b~2^3 [x TO y]", "\\", '"', "alpha && || !"])
def test_search_text_is_plain_text_never_a_neo4j_error(guarded: TestClient, text: str) -> None:
    out = gql(guarded, "query($t: String!) { search(text: $t) { entity { id } } }", {"t": text})
    assert "errors" not in out, out


def test_operator_words_are_searched_as_words(guarded: TestClient) -> None:
    """'alpha AND' finds what 'alpha and' finds (the word, not Lucene's operator)."""
    q = "query($t: String!) { search(text: $t) { entity { id } } }"
    upper = gql(guarded, q, {"t": "Alpha AND"})["data"]["search"]
    lower = gql(guarded, q, {"t": "alpha and"})["data"]["search"]
    assert upper == lower


# -- size limits: 413 REQUEST_TOO_LARGE ------------------------------------------------------

def test_body_over_the_limit_is_413_on_graphql_and_rest(guarded: TestClient) -> None:
    big = {"query": Q, "variables": {"x": "a" * 20_000}}
    res = guarded.post("/graphql", json=big)
    assert res.status_code == 413 and gql_code(res) == "REQUEST_TOO_LARGE"
    res = guarded.post("/exposure/consortia.json", content=b"x" * 20_000)
    assert res.status_code == 413 and rest_code(res) == "REQUEST_TOO_LARGE"


def test_a_streamed_body_without_length_is_cut_at_the_limit(guarded: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"x" * 1000

    res = guarded.post("/graphql", content=chunks(),
                       headers={"content-type": "application/json"})
    assert res.status_code == 413 and gql_code(res) == "REQUEST_TOO_LARGE"


def test_query_text_tokens_and_variables_limits(guarded: TestClient) -> None:
    long_text = "{ firms { totalCount } }" + " " * 3000
    res = guarded.post("/graphql", json={"query": long_text})
    assert res.status_code == 413 and "characters" in res.json()["errors"][0]["message"]
    many = "{ " + " ".join(f"a{i}: firms {{ totalCount }}" for i in range(55)) + " }"
    res = guarded.post("/graphql", json={"query": many})
    assert res.status_code == 413 and "tokens" in res.json()["errors"][0]["message"]
    res = guarded.post("/graphql", json={"query": "query($t: String!) { search(text: $t) "
                                                  "{ score } }", "variables": {"t": "a" * 2000}})
    assert res.status_code == 413 and "variables" in res.json()["errors"][0]["message"]
    res = guarded.get("/graphql", params={"query": many})
    assert res.status_code == 413 and gql_code(res) == "REQUEST_TOO_LARGE"


def test_a_20_mb_variable_is_refused_before_reading_it(small: Graph) -> None:
    """Abuse case: default limits, a 20 MB string variable."""
    with TestClient(create_app(api_settings(), graph=small)) as c:
        query = "query($t: String!) { search(text: $t) { score } }"
        res = c.post("/graphql", json={"query": query, "variables": {"t": "x" * (20 << 20)}})
    assert res.status_code == 413 and gql_code(res) == "REQUEST_TOO_LARGE"
    assert "Neo" not in res.text


# -- complexity of analytic fields -----------------------------------------------------------

def _unreachable_app() -> TestClient:
    """An app whose Neo4j is a closed port: a request it refuses by its limits, not by
    NEO4J_UNAVAILABLE, was refused before any Neo4j query."""
    gs = test_settings(STACKGRAPH_BOLT_PORT=1, NEO4J_URI="bolt://127.0.0.1:1",
                       NEO4J_PASSWORD="x")
    return TestClient(create_app(make_settings(gs, api_settings().limits)))


def test_alias_bomb_is_refused_before_any_neo4j_query() -> None:
    """Abuse case: 500 aliased diversionRisk fields: too many tokens (413); 100 of them,
    under the token limit, cost 100 x analytic_cost: COMPLEXITY_LIMIT."""
    def bomb(n: int) -> str:
        return "{ " + " ".join(f'a{i}: diversionRisk(item: "chip:c0") {{ origin {{ id }} }}'
                               for i in range(n)) + " }"

    with _unreachable_app() as c:
        assert c.get("/readyz").json()["code"] == "NEO4J_UNAVAILABLE"
        res = c.post("/graphql", json={"query": bomb(500)})
        assert res.status_code == 413 and gql_code(res) == "REQUEST_TOO_LARGE"
        res = c.post("/graphql", json={"query": bomb(100)})
        assert gql_code(res) == "COMPLEXITY_LIMIT", res.text
        # the same questions spread through fragments add up the same way
        frag = ("query { ...A ...B } fragment A on Query { " + " ".join(
            f'a{i}: paths(source: "firm:alpha", target: "firm:beta") {{ paths {{ length }} }}'
            for i in range(50)) + " } fragment B on Query { " + " ".join(
            f'b{i}: foreignStakes(firm: "firm:alpha") {{ target {{ id }} }}'
            for i in range(50)) + " }")
        assert gql_code(c.post("/graphql", json={"query": frag})) == "COMPLEXITY_LIMIT"
        # one question is within the budget: it gets as far as Neo4j
        res = c.post("/graphql", json={"query": bomb(1)})
        assert gql_code(res) == "NEO4J_UNAVAILABLE" and res.status_code == 503


def test_deep_fragment_spread_is_refused() -> None:
    """Abuse case: fragments spreading each other 40 deep (DEPTH_LIMIT) and a cycle of
    fragments (a validation error), both before any Neo4j query."""
    parts = ['query { node(id: "firm:alpha") { ...F0 } }']
    for i in range(40):
        parts.append(f"fragment F{i} on Firm {{ designs {{ designers {{ ...F{i + 1} }} }} }}")
    parts.append("fragment F40 on Firm { id }")
    with _unreachable_app() as c:
        assert gql_code(c.post("/graphql", json={"query": " ".join(parts)})) == "DEPTH_LIMIT"
        cycle = ('query { node(id: "firm:alpha") { ...A } } fragment A on Firm { designs '
                 '{ designers { ...B } } } fragment B on Firm { ...A }')
        assert gql_code(c.post("/graphql", json={"query": cycle})) == "GRAPHQL_VALIDATION"


# -- rate limit --------------------------------------------------------------------------------

def test_burst_over_the_rate_limit_is_429_with_retry_after(small: Graph) -> None:
    """Abuse case: a burst; each client address (here, one) gets its rate, probes don't
    count and are never limited."""
    with TestClient(create_app(api_settings(rate_limit="5/minute"), graph=small)) as c:
        codes = [c.post("/graphql", json={"query": Q}).status_code for _ in range(8)]
        assert codes == [200] * 5 + [429] * 3
        res = c.get("/exposure/consortia.json")
        assert res.status_code == 429 and rest_code(res) == "RATE_LIMITED"
        assert 1 <= int(res.headers["retry-after"]) <= 60
        res = c.post("/graphql", json={"query": Q})
        assert gql_code(res) == "RATE_LIMITED"
        assert c.get("/healthz").status_code == 200


def test_rate_is_per_api_key(small: Graph) -> None:
    gs = test_settings(STACKGRAPH_API_KEYS="read:key-one,read:key-two")
    limits = api_settings(rate_limit="2/minute").limits
    with TestClient(create_app(make_settings(gs, limits), graph=small)) as c:
        one, two = {"X-API-Key": "key-one"}, {"X-API-Key": "key-two"}
        assert [c.post("/graphql", json={"query": Q}, headers=one).status_code
                for _ in range(3)] == [200, 200, 429]
        assert c.post("/graphql", json={"query": Q}, headers=two).status_code == 200


def test_rate_limit_setting_defaults() -> None:
    from api.settings import DEFAULT_RATE_LIMIT, Limits

    def rate(host: str, value: str | None) -> str | None:
        gs = test_settings(STACKGRAPH_API_HOST=host, STACKGRAPH_API_KEYS="read:k")
        extra = {} if value is None else {"rate_limit": value}
        return make_settings(gs, Limits(_env_file=None, **extra)).rate_limit  # type: ignore[call-arg]

    assert rate("127.0.0.1", None) is None
    assert rate("0.0.0.0", None) == DEFAULT_RATE_LIMIT
    assert rate("0.0.0.0", "off") is None
    assert rate("127.0.0.1", "3/second") == "3/second"
    with pytest.raises(ValueError, match="STACKGRAPH_RATE_LIMIT"):
        Limits(_env_file=None, rate_limit="fast")  # type: ignore[call-arg]


# -- wall-clock budget ---------------------------------------------------------------------------

def test_a_request_over_its_budget_answers_timeout(small: Graph) -> None:
    app = with_wait_route(create_app(api_settings(request_timeout=0.5), graph=small))
    with TestClient(app) as c:
        res = c.get("/test/wait")
        assert res.status_code == 504 and rest_code(res) == "TIMEOUT"
        assert c.get("/healthz").status_code == 200  # the server goes on


# -- the error table -------------------------------------------------------------------------------

def documented_codes(page: str = "docs/api-limits.md") -> dict[str, set[int]]:
    """code -> HTTP statuses, from the error table of a page."""
    text = (ROOT / page).read_text(encoding="utf-8")
    out: dict[str, set[int]] = {}
    for line in text.splitlines():
        m = re.match(r"^\| `([A-Z_0-9]+)` \|.*\| ([0-9 /]+) \|$", line)
        if m:
            out[m.group(1)] = {int(x) for x in m.group(2).split("/") if x.strip()}
    return out


def test_the_documented_table_is_the_servers() -> None:
    table = documented_codes()
    assert table, "no error table in docs/api-limits.md"
    assert set(table) == set(HTTP_STATUS)
    for code, status in HTTP_STATUS.items():
        assert status in table[code], code
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/api-limits.md" in readme
    for page in ("README.md", "docs/graphql.md"):  # a copy elsewhere says the same
        copy = documented_codes(page) if (ROOT / page).exists() else {}
        assert not copy or copy == table, page


#: How each code of the table is produced: (method, path, json body, extra limits)
TRIGGERS: dict[str, tuple[str, str, dict | None, dict]] = {
    "BAD_ARGUMENT": ("GET", "/exposure/consortia.json?as_of=never", None, {}),
    "GRAPHQL_VALIDATION": ("POST", "/graphql", {"query": "{ nope }"}, {}),
    "SCHEMA_ERROR": ("POST", "/graphql", {"query": '{ search(text: "a", label: "Nope") '
                                                   "{ score } }"}, {}),
    "NOT_FOUND": ("POST", "/graphql", {"query": '{ foreignStakes(firm: "firm:nope") '
                                                "{ target { id } } }"}, {}),
    "METHOD_NOT_ALLOWED": ("PUT", "/healthz", None, {}),
    "DEPTH_LIMIT": ("POST", "/graphql", {"query": '{ node(id: "firm:alpha") { ... on Firm '
                                                  "{ designs { designers { id } } } } }"},
                    {"max_depth": 2}),
    "COMPLEXITY_LIMIT": ("POST", "/graphql", {"query": Q}, {"max_complexity": 1}),
    "PAGE_SIZE_LIMIT": ("POST", "/graphql", {"query": "{ firms(first: 101) { totalCount } }"},
                        {}),
    "HOPS_LIMIT": ("POST", "/graphql", {"query": '{ paths(source: "firm:alpha", target: '
                                                 '"firm:beta", maxHops: 9) { paths { length } } }'},
                   {}),
    "FANOUT_LIMIT": ("POST", "/graphql", {"query": '{ paths(source: "firm:alpha", target: '
                                                   '"firm:beta") { paths { length } } }'},
                     {"max_fanout": 1.0}),
    "REQUEST_TOO_LARGE": ("POST", "/graphql", {"query": Q, "variables": {"x": "y" * 2000}},
                          {"max_body_bytes": 1000}),
    "RATE_LIMITED": ("GET", "/exposure/scenarios.json", None, {"rate_limit": "0/minute"}),
    "TIMEOUT": ("GET", "/test/wait", None, {"request_timeout": 0.1}),
    "INTERNAL_ERROR": ("GET", "/test/boom", None, {}),
    "UNAUTHENTICATED": ("POST", "/graphql", {"query": Q}, {"keys": "read:k"}),
    "FORBIDDEN": ("POST", "/graphql", {"query": "mutation { ingest { rejected } }"},
                  {"keys": "read:k", "key": "k"}),
    "NEO4J_UNAVAILABLE": ("POST", "/graphql", {"query": Q}, {"down": True}),
    "NEO4J_AUTH_FAILED": ("GET", "/exposure/consortia.json", None, {"password": "wrong"}),
}
#: Codes whose trigger needs a state of the server, tested elsewhere
ELSEWHERE = {
    "SCHEMA_MISSING": "readyz on a database without the schema (tests/api/test_access.py)",
    "QUERY_TIMEOUT": "a query past STACKGRAPH_QUERY_TIMEOUT (test_limits_errors.py)",
}


@pytest.mark.parametrize("code", sorted(documented_codes()))
def test_walk_the_error_table(code: str, small: Graph) -> None:
    if code in ELSEWHERE:
        assert code in HTTP_STATUS
        return
    method, path, body, extra = TRIGGERS[code]
    extra = dict(extra)
    overrides: dict[str, object] = {}
    if "keys" in extra:
        overrides["STACKGRAPH_API_KEYS"] = extra.pop("keys")
    headers = {"X-API-Key": extra.pop("key")} if "key" in extra else {}
    if extra.pop("down", False):
        overrides.update(STACKGRAPH_BOLT_PORT=1, NEO4J_URI="bolt://127.0.0.1:1",
                         NEO4J_PASSWORD="x")
    graph: Graph | None = small
    if "password" in extra:  # the test server, with a wrong password
        overrides.update(NEO4J_URI=small.target.uri, NEO4J_PASSWORD=extra.pop("password"))
    if overrides:
        graph = None
    limits = api_settings(**extra).limits
    app = with_wait_route(create_app(make_settings(test_settings(**overrides), limits),
                                     graph=graph))
    with TestClient(app) as c:
        res = c.request(method, path, json=body, headers=headers)
    data = res.json()
    got = (data["errors"][0]["extensions"]["code"] if "errors" in data
           else data["error"]["code"])
    assert got == code, res.text
    if path != "/graphql" or res.status_code != 200:
        assert res.status_code in documented_codes()[code], (code, res.status_code)

