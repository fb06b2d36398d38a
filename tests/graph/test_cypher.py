"""``render``: label and type names only from the schema, rendered text only in the
other placeholders, and nothing left unfilled or given in vain."""

from __future__ import annotations

import pytest

from graph.cypher import Cypher, render
from graph.errors import SchemaError

TEMPLATE = """// {{label}} is checked against the schema
MATCH (n:{{label}})-[r:{{type}}]->(b){{more}}
RETURN n"""


def test_fills_checked_names_and_drops_comment_lines() -> None:
    text = render(TEMPLATE, label="Firm", type="OWNS", more=Cypher(" WHERE b.id = $id"))
    assert text == "MATCH (n:Firm)-[r:OWNS]->(b) WHERE b.id = $id\nRETURN n"
    assert render("MATCH ()-[:{{types}}]->()", types=["OWNS", "SERVES"]) == \
        "MATCH ()-[:OWNS|SERVES]->()"


@pytest.mark.parametrize("kwargs,match", [
    ({"label": "Firm) DETACH DELETE (n", "type": "OWNS", "more": Cypher("")}, "unknown label"),
    ({"label": "Firm", "type": "OWNS]->() DELETE x //", "more": Cypher("")},
     "unknown relationship type"),
    ({"label": "Firm", "type": "OWNS"}, "left unfilled"),
    ({"label": "Firm", "type": "OWNS", "more": " WHERE 1=1"}, "only rendered Cypher"),
    ({"label": "Firm", "type": "OWNS", "more": Cypher(""), "extra": Cypher("")},
     "no placeholder"),
])
def test_fails_loudly(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        render(TEMPLATE, **kwargs)  # type: ignore[arg-type]
