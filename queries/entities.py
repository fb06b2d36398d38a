"""Entity reads for the API: lookups by id, batched neighbours, filtered pages, counts,
full-text search.

These are the plain reads behind the GraphQL entity types (``api/graphql``): every call
takes a *batch* of ids so a DataLoader turns N resolver calls into one Cypher query, and
counts are ``count()`` queries that never ship nodes to Python. Labels and relationship
types come in as parameters (Cypher's dynamic ``$(...)`` labels), checked against the
schema registry first; the code puts the checked name in the text (static names plan
much faster) while the files stay runnable as they are.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph.cypher import Cypher, render
from graph.db import Graph, cypher
from graph.errors import BadArgument
from graph.schema import SCHEMA

#: Lucene's reserved characters, escaped in user search text.
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')
#: Lucene's operators, which escaping characters does not disarm
_LUCENE_OPERATORS = {"AND", "OR", "NOT", "TO"}


@dataclass(frozen=True)
class EntityRow:
    """One node: its id, label (without ``Entity``) and properties (dates as ``date``)."""

    id: str
    label: str
    props: dict[str, Any]


@dataclass(frozen=True)
class Neighbour:
    """One relationship seen from a batch key: its properties and the node at the far end."""

    rel: dict[str, Any]
    node: EntityRow


@dataclass(frozen=True)
class Filters:
    """Optional filters on the main properties (``None`` = no filter)."""

    kind: str | None = None
    status: str | None = None
    name: str | None = None
    country: str | None = None
    listed: bool | None = None

    def params(self) -> dict[str, Any]:
        return {"kind": self.kind, "status": self.status, "name": self.name,
                "country": self.country, "listed": self.listed}


def native(value: Any) -> Any:
    """Neo4j temporal values to Python dates; everything else as is."""
    if hasattr(value, "to_native"):
        native = value.to_native()
        return native.date() if isinstance(native, dt.datetime) else native
    return value


def _props(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: native(v) for k, v in raw.items()}


def _row(node_id: str, label: str | None, props: dict[str, Any]) -> EntityRow:
    return EntityRow(node_id, label or SCHEMA.label_for_id(node_id) or "Entity", _props(props))


def by_ids(graph: Graph, ids: Sequence[str]) -> dict[str, EntityRow]:
    """The entities with these ids (missing ids are absent from the result)."""
    rows = graph.read(cypher(__file__, "entity_by_ids"), {"ids": list(ids)}, plain=True)
    return {r["id"]: _row(r["id"], r["label"], r["props"]) for r in rows}


def neighbours(graph: Graph, ids: Sequence[str], rel_type: str,
               direction: str = "out") -> dict[str, list[Neighbour]]:
    """For each id, its relationships of ``rel_type`` in ``direction`` (``out``/``in``),
    ordered by the far node's name. One query for the whole batch."""
    if direction not in {"out", "in"}:
        raise BadArgument(f"direction must be 'out' or 'in', got {direction!r}")
    name = "entity_neighbors_out" if direction == "out" else "entity_neighbors_in"
    rows = graph.read(render(cypher(__file__, name), type=rel_type),
                      {"ids": list(ids), "type": rel_type}, plain=True)
    out: dict[str, list[Neighbour]] = {i: [] for i in ids}
    for r in rows:
        node = r["props"]
        out[r["id"]].append(Neighbour(_props(r["rel"]), _row(node["id"], r["label"], node)))
    return out


def page(graph: Graph, label: str, first: int, after: str | None = None,
         filters: Filters | None = None, expand: Sequence[tuple[str, str]] = (),
         keys: Sequence[str] | None = None
         ) -> tuple[list[EntityRow], bool, dict[tuple[str, str], dict[str, list[Neighbour]]]]:
    """Up to ``first`` entities of ``label`` with id > ``after``, ordered by id, whether
    more follow (one extra row is fetched to know), and for each (relationship type,
    direction) of ``expand`` the page's neighbours, fetched in the same query.

    ``keys``: fetch only these properties (of the nodes and of the expanded relationships
    and far nodes; ``id`` always) instead of all of them. The API passes every field name
    its query selects, so the rows hold whatever a resolver of that query reads."""
    label = SCHEMA.label(label)
    filters = filters or Filters()
    key_list = None if keys is None else ["id", *(k for k in keys if k != "id")]
    params = {"label": label, "after": after, "limit": first + 1, "keys": key_list,
              **filters.params()}
    plain = all(v is None for v in filters.params().values())
    columns = []
    for i, (rel_type, direction) in enumerate(expand):
        if direction not in {"out", "in"}:
            raise BadArgument(f"direction must be 'out' or 'in', got {direction!r}")
        name = f"entity_page_{'keys_' if key_list is not None else ''}{direction}"
        column = render(cypher(__file__, name), type=rel_type).strip()
        columns.append(f",\n       {column} AS x{i}")
    text = render(cypher(__file__, "entity_page_all" if plain else "entity_page"), label=label,
                  props=Cypher("properties(n)" if key_list is None
                               else "[k IN $keys | n[k]]"),
                  relationships=Cypher("".join(columns)))
    rows = graph.read(text, params, plain=True)[:first + 1]
    more = len(rows) > first
    rows = rows[:first]
    expanded: dict[tuple[str, str], dict[str, list[Neighbour]]] = {}
    if key_list is None:
        items = [_row(r["id"], label, r["props"]) for r in rows]
        for i, key in enumerate(expand):
            expanded[key] = {
                r["id"]: [Neighbour(_props(x["rel"]),
                                    _row(x["props"]["id"], x["label"], x["props"]))
                          for x in r[f"x{i}"]]
                for r in rows}
        return items, more, expanded
    items = [EntityRow(r["id"], label, _picked(key_list, r["props"])) for r in rows]
    for i, key in enumerate(expand):
        by_id: dict[str, list[Neighbour]] = {}
        for r in rows:
            nbs = []
            for rel_vals, node_vals, node_label in r[f"x{i}"]:
                node_id = node_vals[0]
                nbs.append(Neighbour(_picked(key_list, rel_vals),
                                     EntityRow(node_id, node_label or SCHEMA.label_for_id(
                                         node_id) or "Entity", _picked(key_list, node_vals))))
            by_id[r["id"]] = nbs
        expanded[key] = by_id
    return items, more, expanded


def _picked(keys: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    """Properties from values in ``keys`` order (absent ones left out, as
    ``properties()`` would)."""
    return {k: native(v) for k, v in zip(keys, values, strict=True) if v is not None}


def count(graph: Graph, label: str, filters: Filters | None = None) -> int:
    """How many entities of ``label`` pass ``filters`` (a Cypher count)."""
    label = SCHEMA.label(label)
    rows = graph.read(render(cypher(__file__, "entity_count"), label=label),
                      {"label": label, **(filters or Filters()).params()})
    return int(rows[0]["total"]) if rows else 0


def lucene_query(text: str) -> str:
    """A Lucene query matching every word of ``text`` as a word or a word prefix; the
    user's text is escaped so it can never be Lucene syntax."""
    words = [w for w in re.split(r"\s+", text.strip()) if w]
    if not words:
        raise BadArgument("search text is empty", hint="give at least one word")
    parts = []
    for w in words:
        if w in _LUCENE_OPERATORS:  # a word, not an operator: the analyzer lowercases
            w = w.lower()
        esc = _LUCENE_SPECIAL.sub(r"\\\1", w)
        parts.append(f"({esc} OR {esc}*)")
    return " AND ".join(parts)


def search(graph: Graph, text: str, label: str | None = None,
           limit: int = 20) -> list[tuple[EntityRow, float]]:
    """Entities whose name or alias matches ``text`` (full-text index), best first."""
    if label is not None:
        label = SCHEMA.label(label)
    rows = graph.read(cypher(__file__, "entity_search"),
                      {"text": lucene_query(text), "label": label, "limit": limit})
    return [(_row(r["id"], r["label"], r["props"]), float(r["score"])) for r in rows]


def mean_out_degree(graph: Graph) -> float:
    """Relationships per node (at least 1): the branching factor a path search meets."""
    rows = graph.read(cypher(__file__, "entity_degree"))
    nodes = rows[0]["nodes"] if rows else 0
    rels = rows[0]["rels"] if rows else 0
    return max(1.0, rels / nodes) if nodes else 1.0
