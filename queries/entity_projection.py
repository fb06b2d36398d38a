"""A page of entities projected to the property values a GraphQL selection reads, in
one round trip (the compiled entity pages of ``api/graphql/compiled.py``).

Same nodes, order and neighbours as ``queries.entities.page`` (id order from ``after``,
neighbours by name), but rows are bare lists of values: no property dicts, no far-node
labels, no relationship properties, so Neo4j projects less and the driver decodes less.
Labels and relationship types are checked with the schema registry before they are
placed in the text; every value (cursor, limit, property names) is a parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph.cypher import Cypher, render
from graph.db import Graph, cypher
from graph.errors import BadArgument


@dataclass(frozen=True)
class Expansion:
    """One relationship column: far nodes over ``rel_type`` in ``direction`` ('out' or
    'in'), with the values of ``keys`` each."""

    rel_type: str
    direction: str
    keys: tuple[str, ...]


def projection_text(label: str, expand: Sequence[Expansion]) -> str:
    """The query text for a label and relationship columns (items 2, 3... of a row)."""
    columns = []
    for i, e in enumerate(expand):
        if e.direction not in {"out", "in"}:
            raise BadArgument(f"direction must be 'out' or 'in', got {e.direction!r}")
        column = render(cypher(__file__, f"entity_projection_{e.direction}"),
                        type=e.rel_type, keys=Cypher(f"keys{i}")).strip()
        columns.append(f",\n         {column}")
    return render(cypher(__file__, "entity_projection"), label=label,
                  relationships=Cypher("".join(columns)))


def projected_page(graph: Graph, text: str, keys: Sequence[str],
                   expand: Sequence[Expansion], first: int, after: str | None
                   ) -> tuple[list[list[Any]], int]:
    """Rows ``[id, values, far nodes of expansion 0, ...]`` of up to ``first`` entities
    with id > ``after`` (``text`` from ``projection_text`` for the same expansions), and
    the number of entities of the label."""
    params: dict[str, Any] = {"after": after, "limit": first, "keys": list(keys)}
    for i, e in enumerate(expand):
        params[f"keys{i}"] = list(e.keys)
    [row] = graph.read(text, params, plain=True)
    return row["page"], int(row["total"])
