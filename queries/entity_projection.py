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

from graph.db import Graph, cypher
from graph.errors import BadArgument
from queries.entities import _with_label, _with_type


@dataclass(frozen=True)
class Expansion:
    """One relationship column: far nodes over ``rel_type`` in ``direction`` ('out' or
    'in'), with the values of ``keys`` each."""

    rel_type: str
    direction: str
    keys: tuple[str, ...]


def _body(name: str) -> str:
    return "\n".join(line for line in cypher(__file__, name).splitlines()
                     if not line.startswith("//")).strip()


def projection_text(label: str, expand: Sequence[Expansion]) -> str:
    """The query text for a label and relationship columns (items 2, 3... of a row)."""
    text = _with_label(cypher(__file__, "entity_projection"), label)
    columns = []
    for i, e in enumerate(expand):
        if e.direction not in {"out", "in"}:
            raise BadArgument(f"direction must be 'out' or 'in', got {e.direction!r}")
        sub = _with_type(_body(f"entity_projection_{e.direction}"), e.rel_type)
        columns.append(f",\n         {sub.replace('$keys_', f'$keys{i}')}")
    return text.replace("       // relationships", "".join(columns), 1)


def projected_page(graph: Graph, text: str, keys: Sequence[str],
                   expand: Sequence[Expansion], first: int, after: str | None
                   ) -> list[list[Any]]:
    """Rows ``[id, values, far nodes of expansion 0, ...]`` of up to ``first`` entities
    with id > ``after`` (``text`` from ``projection_text`` for the same expansions)."""
    params: dict[str, Any] = {"after": after, "limit": first, "keys": list(keys)}
    for i, e in enumerate(expand):
        params[f"keys{i}"] = list(e.keys)
    page: list[list[Any]] = graph.read(text, params, plain=True)[0]["page"]
    return page
