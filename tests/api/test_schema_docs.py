"""GraphiQL documents the API: every type, field, argument and enum value of our schema
has a description; the contract field names exist."""

from __future__ import annotations

from graphql import GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from api.graphql.schema import build_schema

QUESTIONS = ["diversionRisk", "foreignStakes", "chokepoints", "whatIf", "consortiumExposure",
             "paths"]


def test_every_type_and_field_is_described() -> None:
    schema = build_schema().graphql_schema
    missing = []
    for name, t in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not t.description:
            missing.append(name)
        if isinstance(t, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            for fname, f in t.fields.items():
                if not f.description:
                    missing.append(f"{name}.{fname}")
                for aname, a in getattr(f, "args", {}).items():
                    if not a.description:
                        missing.append(f"{name}.{fname}({aname})")
    assert missing == []


def test_questions_take_scenario_and_as_of() -> None:
    query = build_schema().graphql_schema.query_type
    assert query is not None
    for q in QUESTIONS:
        assert q in query.fields, q
        assert {"scenario", "asOf"} <= set(query.fields[q].args), q
    for f in ("node", "search", "firms", "chips", "models", "dataCenters", "consortia",
              "countries", "inputs", "controlLists", "sources"):
        assert f in query.fields


def test_hops_expose_sources() -> None:
    schema = build_schema().graphql_schema
    hop = schema.type_map["Hop"]
    assert isinstance(hop, GraphQLObjectType) and "sources" in hop.fields
