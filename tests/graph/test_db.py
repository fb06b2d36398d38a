"""Constraints and indexes applied from the schema, idempotently, and enforced."""

from __future__ import annotations

import pytest
from neo4j.exceptions import ConstraintError

from graph.db import Graph, apply_schema, schema_present
from graph.schema import FULLTEXT_INDEX, SCHEMA


def _schema_objects(graph: Graph) -> list[tuple[str, str]]:
    rows = graph.read("SHOW CONSTRAINTS YIELD name, type RETURN name, type")
    rows += graph.read("SHOW INDEXES YIELD name, type RETURN name, type")
    return sorted((r["name"], r["type"]) for r in rows)


def test_init_creates_everything_and_twice_changes_nothing(graph: Graph) -> None:
    apply_schema(graph)
    assert schema_present(graph) == []
    before = _schema_objects(graph)
    assert apply_schema(graph) == []
    assert _schema_objects(graph) == before
    names = {n for n, _ in before}
    for label in SCHEMA.labels:
        assert any(n.endswith("_id_unique") for n in names), label
    assert (FULLTEXT_INDEX, "FULLTEXT") in before


def test_duplicate_id_is_refused_by_the_database(graph: Graph) -> None:
    graph.write("CREATE (:Firm:Entity {id: $id, name: 'A'})", {"id": "firm:dup"})
    with pytest.raises(Exception) as err:
        graph.write("CREATE (:Firm:Entity {id: $id, name: 'B'})", {"id": "firm:dup"})
    cause = err.value.__cause__ or err.value
    assert isinstance(cause, ConstraintError) or "already exists" in str(err.value)
    rows = graph.read("MATCH (f:Firm {id: $id}) RETURN count(f) AS n", {"id": "firm:dup"})
    assert rows == [{"n": 1}]


def test_fulltext_index_finds_names_and_aliases(graph: Graph) -> None:
    graph.write("CREATE (:Firm:Entity {id: 'firm:tsmc', name: 'TSMC', "
                "aliases: ['Taiwan Semiconductor Manufacturing Company']})")
    graph.write("CALL db.awaitIndexes(60)")
    rows = graph.read("CALL db.index.fulltext.queryNodes($index, $q) YIELD node "
                      "RETURN node.id AS id", {"index": FULLTEXT_INDEX, "q": "semiconductor"})
    assert rows == [{"id": "firm:tsmc"}]


def test_plain_read_gives_the_rows_of_a_normal_read(graph: Graph) -> None:
    """``plain=True`` skips ``Record.data()``: for a query returning only values, lists and
    maps (nested, with dates and nulls) the rows must be the same as a normal read's."""
    graph.write("CREATE (:Entity:Firm {id: 'firm:a', name: 'A', founded: date('2001-02-03')})"
                "-[:HEADQUARTERED_IN {since: 1999}]->(:Entity:Country {id: 'USA', name: 'U'})")
    text = ("MATCH (n:Firm)-[r]->(b) RETURN n.id AS id, properties(n) AS props, "
            "[[r.since, b.name], [b.missing]] AS nested, {k: b.id, d: n.founded} AS m")
    plain = graph.read(text, plain=True)
    assert plain == graph.read(text)
    assert plain[0]["nested"] == [[1999, "U"], [None]]


@pytest.mark.neo4j
def test_the_tests_see_the_servers_notifications(graph: Graph) -> None:
    """The tests run with the driver's notifications on (tests/conftest.py), so a
    deprecation the server reports fails the test it runs in. Notifications come with a
    query's planning: a text of its own here, so it is planned now."""
    import uuid

    from tests.conftest import NOTICES

    NOTICES.seen.clear()
    graph.read(f"MATCH (n:NoSuchLabel) RETURN n // {uuid.uuid4()}")
    assert any("NoSuchLabel" in s for s in NOTICES.seen), NOTICES.seen
