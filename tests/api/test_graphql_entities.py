"""Entity types over GraphQL: lookups, relationships, pagination, filters, search, and the
DataLoader batching (a nested query costs a fixed number of Cypher calls)."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient

from api.graphql.context import Context
from api.graphql.schema import build_schema
from graph.db import Graph
from tests.api.conftest import FIRMS, api_settings, gql, small_graph

pytestmark = pytest.mark.neo4j


def test_node_with_relationships_matches_cypher(client: TestClient, small: Graph) -> None:
    out = gql(client, """{ node(id: "firm:alpha") { id name label aliases
        ... on Firm { kind headquarters { id iso3 } designs { id tpp designers { id } }
                      sources { id title } } } }""")
    assert "errors" not in out, out
    node = out["data"]["node"]
    assert node["label"] == "Firm" and node["kind"] == ["chip_designer"]
    assert node["aliases"] == ["AKA0"]
    hq = small.read("MATCH (:Firm {id:'firm:alpha'})-[:HEADQUARTERED_IN]->(c) RETURN c.id AS id")
    assert node["headquarters"]["id"] == hq[0]["id"]
    chips = small.read("MATCH (:Firm {id:'firm:alpha'})-[:DESIGNS]->(c) RETURN c.id AS id, "
                       "c.tpp AS tpp ORDER BY c.name")
    assert [c["id"] for c in node["designs"]] == [c["id"] for c in chips]
    assert [c["tpp"] for c in node["designs"]] == [c["tpp"] for c in chips]
    assert all(c["designers"] == [{"id": "firm:alpha"}] for c in node["designs"])
    assert node["sources"] == [{"id": "src:test", "title": "Test source"}]


def test_unknown_node_is_null(client: TestClient) -> None:
    out = gql(client, '{ node(id: "firm:nope") { id } }')
    assert out == {"data": {"node": None}}


def test_edges_carry_properties_and_provenance(client: TestClient) -> None:
    out = gql(client, """{ node(id: "firm:gamma") { ... on Firm { owners {
        share kind confidence sources { id } owner { id label }
        firm { id } } } }
      consortia(first: 5) { nodes { id members { role stake member { id } }
        includes { layer item { id } } } } }""")
    assert "errors" not in out, out
    owners = out["data"]["node"]["owners"]
    assert owners == [{"share": 0.2, "kind": "equity", "confidence": "high",
                       "sources": [{"id": "src:test"}],
                       "owner": {"id": "firm:epsilon", "label": "Firm"},
                       "firm": {"id": "firm:gamma"}}]
    (cons,) = out["data"]["consortia"]["nodes"]
    assert sorted((m["member"]["id"], m["role"], m["stake"]) for m in cons["members"]) == [
        ("firm:beta", "operator", 0.4), ("firm:epsilon", "investor", 0.4)]
    assert cons["includes"] == [{"layer": "chip", "item": {"id": "chip:c0"}}]


def test_pagination_walks_every_firm_once(client: TestClient, small: Graph) -> None:
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        out = gql(client, """query($after: String) { firms(first: 3, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }""",
                  {"after": after})
        conn = out["data"]["firms"]
        assert conn["totalCount"] == len(FIRMS)
        seen += [e["node"]["id"] for e in conn["edges"]]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
        assert after == conn["edges"][-1]["cursor"]
    expected = [r["id"] for r in small.read("MATCH (f:Firm) RETURN f.id AS id ORDER BY id")]
    assert seen == expected
    assert pages == 3


def test_filters_match_cypher(client: TestClient, small: Graph) -> None:
    out = gql(client, """{ usa: firms(filter: {country: "USA"}) { totalCount nodes { id } }
        designers: firms(filter: {kind: CHIP_DESIGNER}) { totalCount nodes { id } }
        listed: firms(filter: {listed: true}) { totalCount nodes { id } }
        named: firms(filter: {nameContains: "ALPH"}) { nodes { id } }
        dcs: dataCenters(filter: {status: OPERATIONAL, country: "ARE"}) { totalCount } }""")
    assert "errors" not in out, out
    d = out["data"]

    def ids(q: str) -> list[str]:
        return [r["id"] for r in small.read(q)]

    usa = ids("MATCH (f:Firm)-[:HEADQUARTERED_IN]->(:Country {id:'USA'}) "
              "RETURN f.id AS id ORDER BY id")
    assert [n["id"] for n in d["usa"]["nodes"]] == usa and d["usa"]["totalCount"] == len(usa)
    des = ids("MATCH (f:Firm) WHERE 'chip_designer' IN f.kind RETURN f.id AS id ORDER BY id")
    assert [n["id"] for n in d["designers"]["nodes"]] == des
    assert [n["id"] for n in d["listed"]["nodes"]] == ["firm:zeta"]
    assert d["named"]["nodes"] == [{"id": "firm:alpha"}]
    assert d["dcs"]["totalCount"] == 1


def test_search_uses_names_and_aliases(client: TestClient) -> None:
    out = gql(client, '{ a: search(text: "gamma") { score entity { id } } '
                      'b: search(text: "AKA3") { entity { id } } '
                      'c: search(text: "corp", label: "Firm", limit: 50) { entity { id } } }')
    assert "errors" not in out, out
    assert out["data"]["a"][0]["entity"]["id"] == "firm:gamma"
    assert out["data"]["b"][0]["entity"]["id"] == "firm:delta"
    assert sorted(h["entity"]["id"] for h in out["data"]["c"]) == sorted(FIRMS)


def test_bad_cursor_is_bad_argument(client: TestClient) -> None:
    out = gql(client, '{ firms(after: "!!nope") { totalCount } }')
    assert out["errors"][0]["extensions"]["code"] == "BAD_ARGUMENT"


NESTED = """{ firms(first: %d) { nodes { id headquarters { id firms { id } }
    designs { id designers { id headquarters { id } } fabricators { id } }
    owners { share owner { id } } } } }"""


def _calls(graph: Graph, first: int) -> tuple[list[str], dict]:
    schema = build_schema(api_settings().limits)
    ctx = Context(graph, api_settings(), "local")
    result = asyncio.run(schema.execute(NESTED % first, context_value=ctx))
    assert result.errors is None, result.errors
    return ctx.loaders.calls, result.data or {}


def test_nested_query_is_batched(small: Graph) -> None:
    """Like strawberry's own DataLoader tests: count the batches. Each relationship field
    is one Cypher call per level, however many parents there are."""
    calls_two, data_two = _calls(small, 2)
    calls_all, data_all = _calls(small, 7)
    assert len(data_all["firms"]["nodes"]) == 7 > len(data_two["firms"]["nodes"])
    # the page query itself brings the firms' own relationships (headquarters, designs,
    # owners); every deeper relationship is one batch per (type, direction); the
    # designers' headquarters are firms whose headquarters the page already brought
    # (the per-request cache answers)
    assert sorted(calls_all) == sorted(calls_two)
    assert sorted(calls_all) == ["DESIGNS:in", "FABRICATES:in", "HEADQUARTERED_IN:in"]


def test_node_lookup_relationships_are_batched(small: Graph) -> None:
    """Without a page, the first level goes through the DataLoaders too: aliases asking
    for several firms' designs make one DESIGNS batch."""
    schema = build_schema(api_settings().limits)
    ctx = Context(small, api_settings(), "local")
    q = "{ " + " ".join(f'f{i}: node(id: "{f}") {{ ... on Firm {{ designs {{ id }} }} }}'
                        for i, f in enumerate(FIRMS)) + " }"
    result = asyncio.run(schema.execute(q, context_value=ctx))
    assert result.errors is None, result.errors
    assert sorted(ctx.loaders.calls) == ["DESIGNS:out", "nodes"]
    assert result.data is not None
    assert [c["id"] for c in result.data["f0"]["designs"]] == ["chip:c0", "chip:c2"]


def test_nested_results_are_right(small: Graph) -> None:
    _, data = _calls(small, 7)
    for f in data["firms"]["nodes"]:
        rows = small.read("MATCH (:Firm {id: $id})-[:DESIGNS]->(c) RETURN c.id AS id "
                          "ORDER BY c.name", {"id": f["id"]})
        assert [c["id"] for c in f["designs"]] == [r["id"] for r in rows]
        for c in f["designs"]:
            assert {"id": f["id"], "headquarters": f["headquarters"] and
                    {"id": f["headquarters"]["id"]}} in c["designers"]


def test_every_label_has_a_list_field(client: TestClient) -> None:
    out = gql(client, """{ firms { totalCount } chips { totalCount } models { totalCount }
        dataCenters { totalCount } consortia { totalCount } countries { totalCount }
        inputs { totalCount } controlLists { totalCount } sources { totalCount } }""")
    assert "errors" not in out, out
    d = out["data"]
    b = small_graph()
    by_label: dict[str, int] = {}
    for n in b.nodes.values():
        by_label[n.label] = by_label.get(n.label, 0) + 1
    assert d["firms"]["totalCount"] == by_label["Firm"]
    assert d["chips"]["totalCount"] == by_label["Chip"]
    assert d["countries"]["totalCount"] == by_label["Country"]
    assert d["sources"]["totalCount"] == by_label["Source"]
    assert d["controlLists"]["totalCount"] == 1 and d["models"]["totalCount"] == 0
