"""Row shaping: what the writer sends for a record, and the queries that take it.

A record becomes a *merge row* (a map: ``node_row``, ``rel_row``), folded with the other
rows of its id (identity) in the batch (``dedupe``: a batch never merges one node twice),
and, on the create path, a *create row* (a list in the order of ``create_keys``: dates as
ISO strings, see ``date_keys``). A ``Target`` holds, per label or type, the queries and
the row functions the writer uses; labels and types come from the schema, values only as
parameters (the Cypher is in the ``.cypher`` files beside this module).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import islice
from typing import Any, TypeVar

from graph.cypher import Cypher, render
from graph.db import cypher
from graph.schema import SCHEMA, Schema
from ingest.records import NodeRecord, RelRecord

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


@cache
def node_query(label: str) -> str:
    return render(cypher(__file__, "merge_nodes"), label=label)


@cache
def rel_query(rel_type: str) -> str:
    rel = SCHEMA.rel_types[SCHEMA.rel_type(rel_type)]
    # the merge key's property names come from the schema
    key = Cypher("".join(f"coalesce(o.{k}, '') = row.props.{k} AND " for k in rel.merge_key))
    return render(cypher(__file__, "merge_rels"), type=rel.name, key=key)


@cache
def create_keys(kind: str, name: str, schema: Schema = SCHEMA) -> tuple[str, ...]:
    """The properties the create path sends per row, in order: every property the schema
    declares for the label (type) but the ones with a fixed place in the row."""
    if kind == "node":
        fixed = {"id", "sources", "aliases"}
        return tuple(sorted(set(schema.node_properties[schema.label(name)]) - fixed))
    return tuple(sorted(set(schema.rel_properties[schema.rel_type(name)]) - {"sources"}))


@cache
def date_keys(kind: str, name: str, schema: Schema = SCHEMA) -> frozenset[str]:
    """The create path's date properties of a label (type): they travel as ISO strings
    and are stored with Cypher's ``date()``. Why: the driver turns each Python date into
    its wire form in Python code (~10 µs a value, half the cost of sending a row), a string
    costs nothing to send and Neo4j parses it in well under a microsecond."""
    props = (schema.node_properties[schema.label(name)] if kind == "node"
             else schema.rel_properties[schema.rel_type(name)])
    return frozenset(k for k in create_keys(kind, name, schema) if props[k].type == "date")


@cache
def date_positions(kind: str, name: str, first: int) -> tuple[int, ...]:
    """Where the date values sit in a create row whose values start at ``first``."""
    dates = date_keys(kind, name)
    return tuple(first + i for i, k in enumerate(create_keys(kind, name)) if k in dates)


def _sets(var: str, kind: str, name: str, first: int, schema: Schema) -> Cypher:
    """One ``SET`` item per declared property. (Not only the non-null ones per group of
    rows: setting a null costs a property look-up, ~1.5 µs, but a query per combination of
    present properties costs more in planning and round trips than it saves.)"""
    dates = date_keys(kind, name, schema)
    return Cypher("".join(f", {var}.`{k}` = date(row[{first + i}])" if k in dates
                          else f", {var}.`{k}` = row[{first + i}]"
                          for i, k in enumerate(create_keys(kind, name, schema))))


@cache
def count_query(kind: str, name: str) -> str:
    """The create path's count of a label (``kind`` "node") or type ("rel")."""
    if kind == "node":
        return render(cypher(__file__, "count_label"), label=name)
    return render(cypher(__file__, "count_type"), type=name)


@cache
def create_node_query(label: str, schema: Schema = SCHEMA) -> str:
    """The create query of a label: one ``SET`` per property ``schema`` declares."""
    return render(cypher(__file__, "create_nodes"), schema=schema, label=label,
                  sets=_sets("n", "node", label, 3, schema))


@cache
def create_rel_query(rel_type: str, by_node: bool = False) -> str:
    """The create query of a type; ``by_node``: its endpoints found by element id
    (rows ``[a, b, sources, a's id, b's id, values...]``), else by the ``Entity(id)``
    index (rows ``[a's id, b's id, sources, values...]``)."""
    ends = render(cypher(__file__, "ends_by_node" if by_node else "ends_by_id"))
    return render(cypher(__file__, "create_rels"), type=rel_type, ends=ends,
                  sets=_sets("r", "rel", rel_type, 5 if by_node else 3, SCHEMA))


@cache
def _keyset(keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(keys)


def create_row(head: list[Any], props: dict[str, Any], keys: tuple[str, ...],
               dates: tuple[int, ...] = ()) -> list[Any] | None:
    """A merge row as the create query's list — ``head`` (the values with a fixed place),
    then the value of each key, the ones at ``dates`` as ISO strings (``date_keys``) — or
    None when ``props`` holds a property the schema does not declare (validated input
    never does): such a row is merged."""
    if not props.keys() <= _keyset(keys):
        return None
    row = [*head, *map(props.get, keys)]
    for i in dates:
        value = row[i]
        if value is not None:
            row[i] = value.isoformat()
    return row


def node_row(rec: NodeRecord) -> dict[str, Any]:
    props = {k: v for k, v in rec.props.items()
             if k not in {"id", "sources", "aliases"} and v is not None}
    return {"id": rec.id, "props": props, "sources": list(rec.props.get("sources") or []),
            "aliases": list(rec.props.get("aliases") or [])}


@cache
def merge_key(rel_type: str) -> tuple[str, ...]:
    """The type's merge-key properties (besides its ends and ``since``)."""
    return tuple(SCHEMA.rel_types[rel_type].merge_key)


def rel_row(rec: RelRecord) -> dict[str, Any]:
    """The query's row: its identity (ends, ``props.since``, the merge-key values, stored
    as '' when absent) is read from ``props``, so nothing is sent twice."""
    props = dict(rec.props)
    sources = props.pop("sources", None)
    if None in props.values():  # (a scan in C: most records hold no None)
        props = {k: v for k, v in props.items() if v is not None}
    for k in merge_key(rec.type):
        props.setdefault(k, "")
    return {"source": rec.source, "target": rec.target, "props": props,
            "sources": list(sources) if sources else []}


def rel_identity(rel_type: str, row: dict[str, Any]) -> tuple[Any, ...]:
    props = row["props"]
    keys = merge_key(rel_type)
    return (row["source"], row["target"], props.get("since"),
            tuple([props[k] for k in keys]) if keys else ())


def _union(a: list[Any], b: list[Any]) -> list[Any]:
    return a + [x for x in b if x not in a]


def fold(out: dict[Any, dict[str, Any]], k: Any, row: dict[str, Any],
          lists: tuple[str, ...]) -> int:
    """Put ``row`` in ``out`` under ``k``, or fold it into the row already there (later
    properties win, ``lists`` are united); 1 when it was folded, else 0."""
    first = out.get(k)
    if first is None:
        out[k] = row
        return 0
    first["props"] = {**first["props"], **row["props"]}
    for name in lists:
        first[name] = _union(first[name], row[name])
    return 1


def dedupe(rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any],
            lists: tuple[str, ...]) -> tuple[dict[Any, dict[str, Any]], int]:
    """Fold rows with the same key (consistent duplicates of a load) into one, so a batch
    never merges the same node or relationship twice; the rows by their key, and how many
    were folded (counted unchanged: which of a load's repeats changed something depends on
    what was stored before)."""
    out: dict[Any, dict[str, Any]] = {}
    folded = 0
    for row in rows:
        folded += fold(out, key(row), row, lists)
    return out, folded


class Rows(list[Any]):
    """A batch's rows as a query parameter, with a short ``repr``.

    Why: the driver (neo4j 6.4.1, ``Bolt6.run``) formats its debug line for every query
    as ``" ".join(map(repr, fields))`` before handing it to ``log.debug``, whatever the log
    level, so the whole parameter set is rendered as text each time: ~2.2 µs a row, more
    than packing it (BENCHMARKS.md, "Ingest"). A list subclass packs like a list."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


@dataclass(frozen=True)
class Target:
    """What a label (type) is written with: its queries, row shapes and merge folding."""

    kind: str  # "node" or "rel"
    name: str
    merge_query: str
    count_query: str
    create_query: Callable[[bool], str]
    #: a merge row as a create row (None: it must be merged)
    as_new: Callable[[dict[str, Any]], list[Any] | None]
    #: a merge row's id (identity), and the list properties a fold unites
    identity: Callable[[dict[str, Any]], Any]
    lists: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


def node_target(label: str) -> Target:
    keys, dates = create_keys("node", label), date_positions("node", label, 3)
    return Target("node", label, node_query(label), count_query("node", label),
                   lambda _: create_node_query(label),
                   lambda r: create_row([r["id"], r["sources"] or None, r["aliases"] or None],
                                        r["props"], keys, dates),
                   lambda r: r["id"], ("sources", "aliases"))


def rel_target(rel_type: str) -> Target:
    keys, dates = create_keys("rel", rel_type), date_positions("rel", rel_type, 3)
    return Target("rel", rel_type, rel_query(rel_type), count_query("rel", rel_type),
                   lambda by_node: create_rel_query(rel_type, by_node),
                   lambda r: create_row([r["source"], r["target"], r["sources"]],
                                        r["props"], keys, dates),
                   lambda r: rel_identity(rel_type, r), ("sources",))
