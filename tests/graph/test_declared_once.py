"""A property is declared once, in graph/schema.yaml: adding one line to a copy of the
schema makes it a validated property, a property the loader's Cypher writes, and a field
of the label's GraphQL type (with its converter)."""

from __future__ import annotations

from pathlib import Path

import strawberry

from api.graphql.entities import build_types
from graph.schema import SCHEMA_FILE, load_schema
from ingest.loader import create_node_query
from ingest.records import NodeRecord, Origin, Rejection
from ingest.validate import Validator
from queries.entities import EntityRow

WEBSITE = '      website: {type: string, doc: "Web site."}'


def _copy_with_employees(tmp_path: Path) -> Path:
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    assert text.count(WEBSITE) == 1
    path = tmp_path / "schema.yaml"
    path.write_text(text.replace(WEBSITE, WEBSITE + "\n      employees: {type: int, "
                                                   'doc: "Number of employees."}'),
                    encoding="utf-8")
    return path


def _firm(**props: object) -> NodeRecord:
    return NodeRecord("Firm", "firm:acme", {"name": "Acme", "sources": ["src:x"],
                                            "confidence": "high", **props},
                      Origin("test.yaml", 1))


def test_a_property_added_in_one_line(tmp_path: Path) -> None:
    schema = load_schema(_copy_with_employees(tmp_path))
    # validation: coerced by its declared type, or rejected naming the field
    ok = Validator(schema=schema).shape_node(_firm(employees="1200"))
    assert isinstance(ok, NodeRecord) and ok.props["employees"] == 1200
    bad = Validator(schema=schema).shape_node(_firm(employees="many"))
    assert isinstance(bad, Rejection) and bad.field == "employees"
    # not declared in the real schema: refused
    assert isinstance(Validator().shape_node(_firm(employees="1200")), Rejection)
    # Cypher: the create path writes it
    assert "n.`employees` = row[" in create_node_query("Firm", schema)
    assert "employees" not in create_node_query("Firm")
    # GraphQL: a field of Firm, converted to Int
    types, edges = build_types(schema)

    def firm() -> None:
        return None
    firm.__annotations__ = {"return": types["Firm"] | None}
    query = strawberry.type(type("Query", (), {"firm": strawberry.field(resolver=firm)}))
    sdl = strawberry.Schema(query=query, types=[*types.values(), *edges.values()]).as_str()
    assert '"""Number of employees."""\n  employees: Int' in sdl
    firm = types["Firm"].from_row(EntityRow("firm:acme", "Firm", {"employees": 1200.0}))
    assert firm.employees == 1200 and type(firm.employees) is int
