"""GraphQL types for every label of graph/schema.yaml, built from it: a label's
properties are its type's plain fields (converted by their declared type), and the
relationship fields each relationship declares under ``graphql:`` are its resolvers.

Adding a property to a label in the YAML adds the field here, with its converter; adding
a relationship field is a line under the relationship's ``graphql:``. Each entity type is
built from an ``EntityRow`` (id, label, properties); each relationship field awaits the
request's DataLoader for its (type, direction), so a list of 100 firms asking for
``headquarters`` costs one Cypher query, not 100. Relationships that carry their own
facts (a stake's share, a membership's role) have an edge type (``graphql.edge``) with
both ends as fields; every edge exposes its provenance (``sources``, ``confidence``,
``since``, ``until``).
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from strawberry.scalars import JSON
from strawberry.utils.str_converters import to_snake_case

from api.graphql.context import Info
from graph.schema import SCHEMA, Label, RelField, RelType, Schema
from graph.values import plain
from queries.entities import EntityRow, Neighbour

E = TypeVar("E")


async def _neighbours(info: Info, rel: str, direction: str, node_id: str) -> list[Neighbour]:
    primed = info.context.loaders.primed.get((rel, direction), {}).get(node_id)
    if primed is not None:
        return primed
    return await info.context.loaders.rel(rel, direction).load(node_id)


async def _sources(info: Info, ids: list[str] | None) -> list[Source]:  # type: ignore[valid-type]
    if not ids:
        return []
    rows = await info.context.loaders.nodes.load_many(list(ids))
    return [Source.from_row(r) for r in rows if r is not None]


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _date(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def as_str_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def as_str(v: Any) -> str | None:
    return None if v is None else str(v)


def _text(v: Any) -> str | None:
    """An edge's text: an empty one (a merge key not given) is absent."""
    return None if v is None or v == "" else str(v)


#: Per property type of the YAML: the GraphQL annotation and the converter of a value.
FIELD_TYPES: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "string": (str | None, as_str), "int": (int | None, _int), "float": (float | None, _num),
    "bool": (bool | None, _bool), "date": (dt.date | None, _date),
    "list[string]": (list[str] | None, as_str_list), "any": (JSON | None, plain),
}


# -- the entity interface --------------------------------------------------------------

@strawberry.interface(description="Any node of the graph: every entity has an id and a "
                                  "name; curated ones carry their sources.")
class Entity:
    id: strawberry.ID = strawberry.field(description="Stable id, e.g. firm:nvidia, "
                                                     "chip:nvidia-h100-sxm, USA.")
    name: str = strawberry.field(description="Display name.")
    aliases: list[str] = strawberry.field(description="Other names it is known by.")
    row: strawberry.Private[EntityRow]

    @strawberry.field(description="Node label (Firm, Chip, Model, DataCenter, Consortium, "
                                  "Country, Input, ControlList, Source).")
    def label(self) -> str:
        return self.row.label

    @strawberry.field(description="How sure the curators are of this entity: high, medium "
                                  "or low (absent on entities from bulk datasets).")
    def confidence(self) -> str | None:
        value = self.row.props.get("confidence")
        return None if value is None else str(value)

    @strawberry.field(description="The publications backing this entity.")
    async def sources(self, info: Info) -> list[Source]:  # type: ignore[valid-type]
        return await _sources(info, self.row.props.get("sources"))

    @classmethod
    def from_row(cls: type[E], row: EntityRow) -> E:
        """Fill the type's plain fields from the row's properties, converted to the
        declared GraphQL type."""
        props = row.props
        values: dict[str, Any] = {"row": row, "id": row.id,
                                  "name": str(props.get("name") or row.id),
                                  "aliases": as_str_list(props.get("aliases")) or []}
        for name, convert in converters(cls):
            values[name] = convert(props.get(name))
        return cls(**values)


def converters(cls: type[Any]) -> list[tuple[str, Callable[[Any], Any]]]:
    """The (field, converter) pairs ``from_row`` fills: the label's properties."""
    found: list[tuple[str, Callable[[Any], Any]]] = getattr(cls, "__converters__", [])
    return found


def entity_from_row(row: EntityRow) -> Entity:
    """The GraphQL object of a row, by its label."""
    cls = ENTITY_TYPES.get(row.label)
    if cls is None:
        raise ValueError(f"no GraphQL type for label {row.label!r}")
    obj: Entity = cls.from_row(row)
    return obj


# -- edges ---------------------------------------------------------------------------

@strawberry.interface(description="A relationship that carries its own facts, with its "
                                  "provenance.")
class Fact:
    rel: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="How sure the source is: high, medium or low.")
    def confidence(self) -> str | None:
        value = self.rel.get("confidence")
        return None if value is None else str(value)

    @strawberry.field(description="First day the fact held (open-ended when absent).")
    def since(self) -> dt.date | None:
        return _date(self.rel.get("since"))

    @strawberry.field(description="Last day the fact held (open-ended when absent).")
    def until(self) -> dt.date | None:
        return _date(self.rel.get("until"))

    @strawberry.field(description="Free-text remark of the data steward.")
    def note(self) -> str | None:
        value = self.rel.get("note")
        return None if value is None else str(value)

    @strawberry.field(description="The publications backing this fact.")
    async def sources(self, info: Info) -> list[Source]:  # type: ignore[valid-type]
        return await _sources(info, self.rel.get("sources"))




def _ends(parent: EntityRow, nb: Neighbour, direction: str) -> tuple[EntityRow, EntityRow]:
    return (parent, nb.node) if direction == "out" else (nb.node, parent)


EdgeT = TypeVar("EdgeT", bound=Fact)


def _cached(info: Info, rel: str, direction: str, node_id: str) -> list[Neighbour] | None:
    """The neighbours if the request already holds them (primed by a page query): then
    the field resolves without a trip through the event loop."""
    loaders = info.context.loaders
    primed = loaders.primed.get((rel, direction))
    if primed is not None:
        hit = primed.get(node_id)
        if hit is not None:
            return hit
    return None


def _edges_of(parent: EntityRow, nbs: list[Neighbour], direction: str,
              cls: type[EdgeT]) -> list[EdgeT]:
    out = []
    for nb in nbs:
        start, end = _ends(parent, nb, direction)
        out.append(cls(rel=nb.rel, start=start, end=end))  # type: ignore[call-arg]
    return out


def _edges(info: Info, parent: EntityRow, rel: str, direction: str, cls: type[EdgeT]) -> Any:
    """Edges of a relationship field: a list when cached, else an awaitable (graphql-core
    awaits what a resolver returns when it is awaitable)."""
    hit = _cached(info, rel, direction, parent.id)
    if hit is not None:
        return _edges_of(parent, hit, direction, cls)

    async def later() -> list[EdgeT]:
        return _edges_of(parent, await _neighbours(info, rel, direction, parent.id),
                         direction, cls)

    return later()


def _far(info: Info, parent: EntityRow, rel: str, direction: str,
         make: Callable[[EntityRow], Any], single: bool) -> Any:
    """Far nodes of a relationship field, or the first one or None when ``single``
    (headquarters): a value when cached, else an awaitable."""
    def pick(nbs: list[Neighbour]) -> Any:
        if single:
            return make(nbs[0].node) if nbs else None
        return [make(nb.node) for nb in nbs]

    hit = _cached(info, rel, direction, parent.id)
    if hit is not None:
        return pick(hit)

    async def later() -> Any:
        return pick(await _neighbours(info, rel, direction, parent.id))

    return later()


# -- the types, built from the schema --------------------------------------------------


def _pdoc(label: Label, prop: str, schema: Schema) -> str:
    p = schema.node_properties[label.name][prop]
    return (p.doc or prop.replace("_", " ")) + (
        f" (one of: {', '.join(p.enum)})" if p.enum else "")


def _from_row(types_: dict[str, type[Any]], labels: tuple[str, ...]) -> Callable[[EntityRow], Any]:
    """The GraphQL object of a row at an end with these labels: the label's type for
    one label, else by the row's label (the ``Entity`` interface)."""
    if len(labels) == 1:
        return types_[labels[0]].from_row

    def by_label(row: EntityRow) -> Any:
        cls = types_.get(row.label)
        if cls is None:
            raise ValueError(f"no GraphQL type for label {row.label!r}")
        return cls.from_row(row)
    return by_label


def _end_type(types_: dict[str, type[Any]], labels: tuple[str, ...]) -> Any:
    return types_[labels[0]] if len(labels) == 1 else Entity


def _rel_resolver(f: RelField, rel: RelType, types_: dict[str, type[Any]],
                  edges: dict[str, type[Any]]) -> Any:
    """The resolver of a relationship field (its annotations set for Strawberry)."""
    far = rel.targets if f.direction == "out" else rel.sources
    rel_name, direction = rel.name, f.direction
    if f.kind == "edges":
        edge = edges[rel.name]

        def resolve(self: Any, info: Info) -> Any:
            return _edges(info, self.row, rel_name, direction, edge)
        returns: Any = list[edge]  # type: ignore[valid-type]
    else:
        make = _from_row(types_, far)
        single = f.kind == "one"

        def resolve(self: Any, info: Info) -> Any:
            return _far(info, self.row, rel_name, direction, make, single)
        end = _end_type(types_, far)
        returns = end | None if single else list[end]  # type: ignore[valid-type]
    resolve.__annotations__ = {"info": Info, "return": returns}
    resolve.__name__ = to_snake_case(f.name)
    return resolve


def _reader(name: str, convert: Callable[[Any], Any], annotation: Any) -> Any:
    """The resolver of an edge's property."""
    def read(self: Any) -> Any:
        return convert(self.rel.get(name))
    read.__annotations__ = {"return": annotation}
    return read


def _end(attr: str, make: Callable[[EntityRow], Any], annotation: Any) -> Any:
    """The resolver of an edge's start or end."""
    def end(self: Any) -> Any:
        return make(getattr(self, attr))
    end.__annotations__ = {"return": annotation}
    return end


def _edge_type(rel: RelType, types_: dict[str, type[Any]]) -> type[Any]:
    """The edge type of a relationship with its own facts: its properties and ends."""
    assert rel.edge is not None
    cls = types.new_class(rel.edge.name, (Fact,))
    cls.__annotations__ = {"start": strawberry.Private[EntityRow],
                           "end": strawberry.Private[EntityRow]}
    for prop in rel.properties.values():
        annotation, convert = FIELD_TYPES[prop.type]
        if prop.type == "string":
            convert = _text

        setattr(cls, prop.name, strawberry.field(
            resolver=_reader(prop.name, convert, annotation),
            description=prop.doc or prop.name))
    for (field_name, doc), attr, labels in ((rel.edge.start, "start", rel.sources),
                                            (rel.edge.end, "end", rel.targets)):
        setattr(cls, to_snake_case(field_name), strawberry.field(
            resolver=_end(attr, _from_row(types_, labels), _end_type(types_, labels)),
            name=field_name, description=doc))
    return strawberry.type(cls, description=rel.doc)


def build_types(schema: Schema) -> tuple[dict[str, type[Any]], dict[str, type[Any]]]:
    """The GraphQL type of each label and the edge type of each relationship that has
    one, from ``schema`` (``SCHEMA`` for the API; a test builds them from a copy)."""
    types_: dict[str, type[Any]] = {name: types.new_class(name, (Entity,))
                                    for name in schema.labels}
    edges = {rel.name: _edge_type(rel, types_) for rel in schema.rel_types.values()
             if rel.edge is not None}
    for name, cls in types_.items():
        label = schema.labels[name]
        annotations: dict[str, Any] = {}
        convert: list[tuple[str, Callable[[Any], Any]]] = []
        for prop in label.properties.values():
            annotation, conv = FIELD_TYPES[prop.type]
            annotations[prop.name] = annotation
            convert.append((prop.name, conv))
            setattr(cls, prop.name, strawberry.field(description=_pdoc(label, prop.name,
                                                                       schema)))
        cls.__annotations__ = annotations
        cls.__converters__ = convert
        for f in schema.graphql_fields[name]:
            rel = schema.rel_types[f.rel_type]
            setattr(cls, to_snake_case(f.name), strawberry.field(
                resolver=_rel_resolver(f, rel, types_, edges), name=f.name, description=f.doc))
        strawberry.type(cls, description=label.doc)
    return types_, edges


#: GraphQL type of each label, and the edge types.
ENTITY_TYPES, EDGE_TYPES = build_types(SCHEMA)

#: Types to register with the schema (interfaces' implementations are not reachable
#: from fields alone).
ALL_TYPES: list[type[Any]] = [*ENTITY_TYPES.values(), *EDGE_TYPES.values()]

#: (type, GraphQL field) -> (relationship type, direction): a page query fetches the
#: relationships its selection asks for in the same round trip (``schema._page``).
RELATIONSHIP_FIELDS: dict[tuple[str, str], tuple[str, str]] = {
    (label, f.name): (f.rel_type, f.direction)
    for label, fields in SCHEMA.graphql_fields.items() for f in fields}

# the types by name, for the query fields' annotations (api/graphql/schema.py)
Country = ENTITY_TYPES["Country"]
Firm = ENTITY_TYPES["Firm"]
Chip = ENTITY_TYPES["Chip"]
Model = ENTITY_TYPES["Model"]
DataCenter = ENTITY_TYPES["DataCenter"]
Consortium = ENTITY_TYPES["Consortium"]
Input = ENTITY_TYPES["Input"]
ControlList = ENTITY_TYPES["ControlList"]
Source = ENTITY_TYPES["Source"]
