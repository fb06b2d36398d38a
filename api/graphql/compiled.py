"""Compiled entity pages: a page query of plain properties and far nodes, answered by one
Cypher projection and a few lines of Python instead of graphql-core's execution.

A page of 100 firms with their headquarters and designed chips is ~600 fields: even with
the fast walk of ``fast_complete`` the execution (Strawberry objects per row and far
node, a resolver call per relationship field, a walk over every field) cost more CPU
than the database. @neo4j/graphql answers the same selection with one Cypher returning
the response's shape; this module does the same for the shape it recognises:

    { <page field>(first: <int>, after: <string>) { totalCount nodes { <fields> } } }

where ``<fields>`` are ``id``, ``name``, ``__typename``, string properties, and
relationship fields to far entities (a list or a single one) selecting the same kinds
of fields; ``totalCount`` optional (the count comes with the page, from the count store);
aliases allowed; ``first`` and ``after`` literals or variables. The query must
be valid, within the limits, without directives or fragments. Anything else (and any
surprise in the data, such as a null id or a non-string id) is left to plain Strawberry,
which then answers or reports errors. The compiled answer reuses the entity types'
conversions (``native``, ``as_str``) so it is the same answer, byte for byte
(tests/api/test_compiled_pages.py). Plans are cached per query text; results never are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    SelectionSetNode,
    VariableNode,
)
from graphql.execution.values import VariableValues, get_argument_values
from strawberry.utils.str_converters import to_snake_case

from api.graphql.entities import (
    ENTITY_TYPES,
    RELATIONSHIP_FIELDS,
    as_str,
    as_str_list,
    converters,
)
from api.graphql.limits import Pricing
from api.graphql.pagination import decode_cursor
from api.graphql.plans import (
    NotCompiled,
    Operation,
    PlanCache,
    checked_query,
    compile_or_none,
    plain_fields,
    response_key,
)
from api.settings import Limits
from graph.db import Graph
from graph.errors import StackgraphError
from queries.entities import native
from queries.entity_projection import Expansion, projected_page, projection_text


class Fallback(Exception):  # noqa: N818 - a signal, not an error
    """The data is not what the compiled answer handles: use the normal execution."""


@dataclass(frozen=True)
class Leaf:
    """A scalar field of an entity: ``kind`` id, name, str (a string property at
    ``index`` of the node's values), strs (a list of strings there) or typename (the
    constant ``typename``)."""

    key: str
    kind: str
    index: int = 0
    nullable: bool = True
    typename: str = ""


@dataclass(frozen=True)
class Rel:
    """A relationship field: far nodes (item ``2 + column`` of a row), a list or the
    first one."""

    key: str
    column: int
    one: bool
    fields: tuple[Leaf, ...]


@dataclass(frozen=True)
class PagePlan:
    """A compiled page query: the Cypher, its parameters, and how to build the answer."""

    operation: Operation
    root_field: GraphQLField
    root_node: FieldNode
    root_key: str
    #: the connection's fields in selection order: (response key, "nodes" or "total")
    conn: tuple[tuple[str, str], ...]
    text: str
    keys: tuple[str, ...]
    expand: tuple[Expansion, ...]
    fields: tuple[Leaf | Rel, ...]
    #: the (first, after) of an operation without variables, checked once
    literal: tuple[int, str | None] | None = None

    def bind(self, raw_variables: dict[str, Any] | None) -> tuple[int, str | None]:
        """The request's (first, after), or ``NotCompiled`` (variables that do not
        coerce, a page size out of range, a malformed cursor: Strawberry reports it)."""
        if self.literal is not None:
            return self.literal
        return _arguments(self.root_field, self.root_node,
                          self.operation.variables(raw_variables),
                          self.operation.limits.max_page_size)

    def run(self, graph: Graph, bound: tuple[int, str | None]) -> dict[str, Any]:
        """The ``data`` of the answer (raises ``Fallback`` on data it does not handle)."""
        first, after = bound
        rows, total = projected_page(graph, self.text, self.keys, self.expand, first, after)
        nodes = [self._node(r) for r in rows]
        return {self.root_key: {key: nodes if kind == "nodes" else total
                                for key, kind in self.conn}}

    def _node(self, row: list[Any]) -> dict[str, Any]:
        values = row[1]
        out: dict[str, Any] = {}
        for f in self.fields:
            if isinstance(f, Leaf):
                out[f.key] = _leaf(f, values)
                continue
            far = row[2 + f.column]
            if f.one:
                out[f.key] = _entity(f.fields, far[0]) if far else None
            else:
                out[f.key] = [_entity(f.fields, x) for x in far]
        return out


def _entity(fields: tuple[Leaf, ...], values: list[Any]) -> dict[str, Any]:
    return {f.key: _leaf(f, values) for f in fields}


def _leaf(f: Leaf, values: list[Any]) -> Any:
    """A field's value as the normal path gives it (``Entity.from_row`` then the scalar's
    serialisation); values[0] is the id, values[1] the name."""
    node_id = values[0]
    if not isinstance(node_id, str):
        raise Fallback  # graphql-core reports (null) or converts (non-string) the id
    if f.kind == "id":
        return node_id
    if f.kind == "name":
        raw = values[1]
        return str((None if raw is None else native(raw)) or node_id)
    if f.kind == "typename":
        return f.typename
    raw = values[f.index]
    if raw is None:
        if not f.nullable:
            raise Fallback
        return None
    if f.kind == "strs":  # as Entity.from_row converts it (a single value: a list of one)
        return as_str_list(native(raw))
    return str(native(raw))


def _leaves(obj: GraphQLObjectType, sel: SelectionSetNode | None,
            keys: list[str]) -> list[Leaf]:
    """Scalar fields of an entity type; property names appended to ``keys``."""
    if obj.name not in ENTITY_TYPES:
        raise NotCompiled
    conv_of = dict(converters(ENTITY_TYPES[obj.name]))
    out = []
    for f in plain_fields(sel):
        name = f.name.value
        if f.selection_set is not None:
            raise NotCompiled
        if name == "__typename":
            out.append(Leaf(response_key(f), "typename", typename=obj.name))
        elif name in {"id", "name"}:
            out.append(Leaf(response_key(f), name))
        elif (conv := conv_of.get(prop := to_snake_case(name))) in (as_str, as_str_list):
            if prop not in keys:
                keys.append(prop)
            out.append(Leaf(response_key(f), "str" if conv is as_str else "strs",
                            keys.index(prop),
                            not isinstance(obj.fields[name].type, GraphQLNonNull)))
        else:
            raise NotCompiled
    return out


def _far_type(t: Any) -> tuple[bool, GraphQLObjectType]:
    """(single, entity type) of a relationship field's type: ``T`` or ``[T!]!``."""
    if isinstance(t, GraphQLNonNull):
        t = t.of_type
        if not isinstance(t, GraphQLList):
            raise NotCompiled  # a non-null single far node: not a field we have
    if isinstance(t, GraphQLList):
        inner = t.of_type
        if isinstance(inner, GraphQLNonNull) and isinstance(inner.of_type, GraphQLObjectType):
            return False, inner.of_type
        raise NotCompiled
    if isinstance(t, GraphQLObjectType):
        return True, t
    raise NotCompiled


def _arguments(field: GraphQLField, node: FieldNode, variables: VariableValues | None,
               max_page: int) -> tuple[int, str | None]:
    """(first, after) by graphql-core's own argument coercion (defaults, variables)."""
    args = get_argument_values(field, node, variables)
    first, after = args.get("first"), args.get("after")
    if not isinstance(first, int) or not 1 <= first <= max_page:
        raise NotCompiled  # Strawberry reports PAGE_SIZE_LIMIT
    try:
        return first, decode_cursor(after)
    except StackgraphError:
        raise NotCompiled from None  # Strawberry reports the malformed cursor


def compile_page(schema: GraphQLSchema, query: str, limits: Limits,
                 pricing: Pricing | None = None) -> PagePlan | None:
    """The plan of a page query, or None when the normal execution must answer it."""
    owned = pricing or Pricing()
    return compile_or_none(lambda q: _compile(schema, q, limits, owned), query,
                           "a page query")


def _compile(schema: GraphQLSchema, query: str, limits: Limits,
             pricing: Pricing) -> PagePlan | None:
    op = checked_query(schema, query, limits, pricing)
    if op is None:
        return None
    query_type = schema.query_type
    assert query_type is not None
    [root] = _fields_with_args(op.node.selection_set)
    field = query_type.fields.get(root.name.value)
    if field is None:  # __typename
        return None
    conn = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if not isinstance(conn, GraphQLObjectType) or not conn.name.endswith("Connection"):
        return None  # a list (``search``), a single entity, a question: not a page
    label = conn.name.removesuffix("Connection")
    if label not in ENTITY_TYPES:
        return None
    if any(a.name.value not in ("first", "after") for a in root.arguments or ()):
        raise NotCompiled  # filters
    literal = None
    if not any(isinstance(a.value, VariableNode) for a in root.arguments or ()):
        literal = _arguments(field, root, None, limits.max_page_size)
    conn_fields = plain_fields(root.selection_set)
    nodes_fields = [f for f in conn_fields if f.name.value == "nodes"]
    if len(nodes_fields) != 1 or any(
            f.name.value != "totalCount" or f.selection_set is not None
            for f in conn_fields if f is not nodes_fields[0]):
        return None  # edges, pageInfo, __typename, two node lists: Strawberry answers
    nodes = nodes_fields[0]
    conn = tuple((response_key(f), "nodes" if f is nodes else "total") for f in conn_fields)
    obj = schema.type_map[label]
    assert isinstance(obj, GraphQLObjectType)
    keys = ["id", "name"]
    fields: list[Leaf | Rel] = []
    expand: list[Expansion] = []
    for f in plain_fields(nodes.selection_set):
        rel = RELATIONSHIP_FIELDS.get((label, f.name.value))
        if rel is None:
            fields.extend(_leaves(obj, SelectionSetNode(selections=(f,)), keys))
            continue
        one, far = _far_type(obj.fields[f.name.value].type)
        far_keys = ["id", "name"]
        leaves = _leaves(far, f.selection_set, far_keys)
        fields.append(Rel(response_key(f), len(expand), one, tuple(leaves)))
        expand.append(Expansion(rel[0], rel[1], tuple(far_keys)))
    return PagePlan(op, field, root, response_key(root), conn,
                    projection_text(label, expand), tuple(keys), tuple(expand),
                    tuple(fields), literal)


def _fields_with_args(sel: SelectionSetNode) -> list[FieldNode]:
    """The root fields (arguments allowed), not compiled for fragments or directives."""
    out = []
    for node in sel.selections:
        if not isinstance(node, FieldNode) or node.directives:
            raise NotCompiled
        out.append(node)
    if len(out) != 1:
        raise NotCompiled
    return out


class CompiledPages(PlanCache[PagePlan]):
    """The plans of the page queries seen, per query text (api/graphql/plans.py)."""

    def __init__(self, schema: GraphQLSchema, limits: Limits, pricing: Pricing,
                 size: int = 256) -> None:
        super().__init__(lambda query: compile_page(schema, query, limits, pricing), size)
        self.schema = schema
        self.limits = limits
