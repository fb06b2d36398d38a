"""A faster completion of plain data subtrees, for answers of thousands of fields.

graphql-core completes a value field by field: for each it builds a resolve info, calls
Strawberry's resolver wrapper, checks for awaitables, recurses through the type
wrappers. That costs some 20-50 us per field, and a question's answer has 1,000-3,000
fields (``chokepoints``: ~3,200), so execution cost more than the question itself.

Most of an answer is plain data: objects whose selected fields are all attributes
without a resolver (Strawberry's "basic" fields), no arguments, no directives. For such
a subtree this execution context compiles the selection once per request (response
keys, attribute names, types, with fragments expanded) and completes the value with a
plain recursive walk. Anything else, and any surprise in the data (a null where the
schema says non-null, a scalar that does not serialize, an object of the wrong type),
goes through graphql-core as before, which then produces exactly the usual answer or
error: the fast walk has no side effects, so giving up half-way is safe.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from math import isfinite
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
    InlineFragmentNode,
    is_abstract_type,
    is_leaf_type,
)
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

#: A compiled selection: (response key, how to get the value: an attribute name, a
#: resolver function of (source, info) or None for __typename, field type, compiled
#: child selection or None for a leaf)
Plan = list[tuple[str, Any, Any, Any]]

#: (GraphQL type, GraphQL field) of resolvers the walk may call itself: synchronous, no
#: arguments, reading only ``info.context``, and returning an awaitable (never started,
#: so closed without effect) when their value is not at hand yet. The relationship
#: fields of the entity types register here (api/graphql/entities.py): a page that
#: fetched its relationships in the same query completes whole in the walk.
FAST_RESOLVERS: set[tuple[str, str]] = set()


#: Plans kept across requests (compiling one costs ~0.5 ms per answer type), keyed by
#: the schema, the type and the ids of the selection's field nodes. A document's nodes are
#: the same objects on every request of the same text (Strawberry's ParserCache), and
#: the entry holds the nodes and the schema, so an id cannot be reused by another
#: document while its entry lives; the node and schema identities are checked on a hit.
#: At most ``_SHARED_SIZE`` entries (the oldest dropped first).
_SHARED: dict[tuple[Any, ...], tuple[Any, tuple[FieldNode, ...], Plan | None]] = {}
_SHARED_SIZE = 2048


class _ContextInfo:
    """What a registered resolver reads of its info."""

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context


class _Slow(Exception):  # noqa: N818 - a signal, not an error
    """Give up the fast walk: graphql-core completes the value instead."""


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, with plain-data subtrees completed in one walk."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[int, str], Plan | None] = {}

    def _plan(self, named: GraphQLObjectType, field_details_list: Any) -> Plan | None:
        """The plan of a selection, compiled once per request, and kept across requests
        when the fields carry no fragment variables (``_SHARED``)."""
        key = (id(field_details_list[0].node), named.name)
        if key in self._plans:
            return self._plans[key]
        nodes = tuple(d.node for d in field_details_list)
        shared_key = (id(self.schema), named.name, tuple(id(n) for n in nodes))
        hit = _SHARED.get(shared_key)
        if hit is not None and hit[0] is self.schema and all(
                a is b for a, b in zip(hit[1], nodes, strict=True)):
            plan = hit[2]
        else:
            plan = self._compile(named, field_details_list)
            if all(d.fragment_variable_values is None for d in field_details_list):
                if len(_SHARED) >= _SHARED_SIZE:
                    _SHARED.pop(next(iter(_SHARED)))
                _SHARED[shared_key] = (self.schema, nodes, plan)
        self._plans[key] = plan
        return plan

    def complete_value(self, return_type: Any, field_details_list: Any, info: Any,
                       path: Any, result: Any, position_context: Any) -> Any:
        named = return_type
        while isinstance(named, (GraphQLNonNull, GraphQLList)):
            named = named.of_type
        manager = self.middleware_manager
        if (isinstance(named, GraphQLObjectType)
                and (manager is None or not manager.middlewares)  # no extension resolves
                and not isinstance(result, Exception) and not self.is_awaitable(result)):
            plan = self._plan(named, field_details_list)
            if plan is not None:
                try:
                    return _completer(return_type, plan)(result,
                                                         _ContextInfo(self.context_value))
                except Exception:  # noqa: BLE001 - _Slow or a surprise: graphql-core
                    pass           # completes it and reports any error properly
        return super().complete_value(return_type, field_details_list, info, path, result,
                                      position_context)

    def _compile(self, obj_type: GraphQLObjectType, field_details_list: Any) -> Plan | None:
        """The plan of an object's selection, or None when part of it is not plain
        data (a resolver, arguments, directives, an abstract type, fragment
        variables)."""
        for d in field_details_list:
            if d.fragment_variable_values is not None:
                return None
        return self._compile_nodes(obj_type, [d.node for d in field_details_list])

    def _compile_nodes(self, obj_type: GraphQLObjectType, nodes: Sequence[FieldNode]
                       ) -> Plan | None:
        grouped: dict[str, list[FieldNode]] = {}
        for node in nodes:
            if node.selection_set is None:
                return None
            if not self._collect(obj_type, node.selection_set.selections, grouped, set()):
                return None
        plan: Plan = []
        for key, fnodes in grouped.items():
            name = fnodes[0].name.value
            if name == "__typename":
                plan.append((key, None, obj_type.name, None))
                continue
            field = obj_type.fields.get(name)
            if field is None:
                return None
            resolve = field.resolve
            definition = (field.extensions or {}).get("strawberry-definition")
            if definition is None or resolve is None:
                return None
            getter: Any = definition.python_name
            if (obj_type.name, name) in FAST_RESOLVERS:
                base = definition.base_resolver
                if (base is None or field.args or any(n.arguments for n in fnodes)
                        or inspect.iscoroutinefunction(base.wrapped_func)):
                    return None
                getter = base.wrapped_func
            elif (not getattr(resolve, "_is_default", False)
                    or inspect.iscoroutinefunction(resolve)
                    or definition.base_resolver is not None):
                return None
            named = field.type
            while isinstance(named, (GraphQLNonNull, GraphQLList)):
                named = named.of_type
            child: Plan | None = None
            if is_leaf_type(named):
                if any(n.selection_set is not None for n in fnodes):
                    return None
            elif isinstance(named, GraphQLObjectType):
                child = self._compile_nodes(named, fnodes)
                if child is None:
                    return None
            else:  # interface or union: graphql-core resolves the runtime type
                return None
            plan.append((key, getter, field.type, child))
        return plan

    def _collect(self, obj_type: GraphQLObjectType, selections: Iterable[Any],
                 grouped: dict[str, list[FieldNode]], seen: set[str]) -> bool:
        """Fields of a selection set by response key, fragments expanded; False when a
        directive (skip, include, defer ...) or fragment arguments are present."""
        for sel in selections:
            if sel.directives:
                return False
            if isinstance(sel, FieldNode):
                if sel.arguments:
                    return False
                key = sel.alias.value if sel.alias else sel.name.value
                grouped.setdefault(key, []).append(sel)
            elif isinstance(sel, InlineFragmentNode):
                if sel.type_condition is not None and not self._matches(
                        sel.type_condition.name.value, obj_type):
                    continue
                if not self._collect(obj_type, sel.selection_set.selections, grouped, seen):
                    return False
            elif isinstance(sel, FragmentSpreadNode):
                if getattr(sel, "arguments", None):
                    return False
                name = sel.name.value
                if name in seen:
                    continue
                fragment = self.fragment_definitions.get(name)
                if fragment is None:
                    return False
                if not self._matches(fragment.type_condition.name.value, obj_type):
                    continue
                seen.add(name)
                if not self._collect(obj_type, fragment.selection_set.selections, grouped,
                                     seen):
                    return False
            else:
                return False
        return True

    def _matches(self, condition: str, obj_type: GraphQLObjectType) -> bool:
        if condition == obj_type.name:
            return True
        cond = self.schema.get_type(condition)
        return cond is not None and is_abstract_type(cond) and self.schema.is_sub_type(
            cond, obj_type)


#: Completers built from plans (``_completer``), by (type, plan) identity.
_COMPLETERS: dict[tuple[int, int], tuple[Any, Plan, Any]] = {}

#: Built-in leaf types whose serialisation returns the value itself for one Python
#: type (Int and Float within their range: 32 bits, finite): the completer then skips
#: ``coerce_output_value`` for exactly those values; anything else (an int for a String,
#: a bool for an Int, a float out of range...) takes the normal serialisation. The
#: compiled question path (compiled_questions.py) tests its leaves by the same table.
SAME: dict[Any, Any] = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool,
                        GraphQLInt: int, GraphQLFloat: float}
INT_MIN, INT_MAX = -(2 ** 31), 2 ** 31 - 1


def _completer(rtype: Any, plan: Plan | None) -> Any:
    """The walk that completes a value of ``rtype`` along ``plan`` (raising ``_Slow`` on
    a surprise), as nested closures built once: the type tests and plan lookups are done
    ahead, so a field costs a call and a dict store (answers of thousands of fields:
    ``chokepoints``)."""
    if plan is not None:
        key = (id(rtype), id(plan))
        hit = _COMPLETERS.get(key)
        if hit is not None and hit[0] is rtype and hit[1] is plan:
            return hit[2]
    fn = _build(rtype, plan)
    if plan is not None:
        if len(_COMPLETERS) >= _SHARED_SIZE:
            _COMPLETERS.pop(next(iter(_COMPLETERS)))
        _COMPLETERS[key] = (rtype, plan, fn)
    return fn


def _build(rtype: Any, plan: Plan | None) -> Any:  # noqa: C901 - one case per kind
    if isinstance(rtype, GraphQLNonNull):
        inner = _build(rtype.of_type, plan)

        def non_null(value: Any, info: _ContextInfo) -> Any:
            out = inner(value, info)
            if out is None:
                raise _Slow
            return out
        return non_null
    if isinstance(rtype, GraphQLList):
        item = _build(rtype.of_type, plan)

        def listed(value: Any, info: _ContextInfo) -> Any:
            if value is None or value is Undefined:
                return None
            if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
                raise _Slow
            return [item(v, info) for v in value]
        return listed
    if plan is None:
        same = SAME.get(rtype)
        coerce = rtype.coerce_output_value

        def leaf(value: Any, info: _ContextInfo) -> Any:
            if value is None or value is Undefined:
                return None
            if type(value) is same and (same is str or same is bool or (
                    INT_MIN <= value <= INT_MAX if same is int else isfinite(value))):
                return value
            out = coerce(value)
            if out is None or out is Undefined:
                raise _Slow
            return out
        return leaf
    is_type_of = rtype.is_type_of
    fields = [(key, getter, _build(ftype, child) if getter is not None else ftype)
              for key, getter, ftype, child in plan]

    def obj(value: Any, info: _ContextInfo) -> Any:
        if value is None or value is Undefined:
            return None
        if is_type_of is not None and not is_type_of(value, None):
            raise _Slow
        result: dict[str, Any] = {}
        for key, getter, complete in fields:
            if getter is None:
                result[key] = complete  # __typename
            elif isinstance(getter, str):
                result[key] = complete(getattr(value, getter), info)
            else:
                got = getter(value, info)
                if inspect.isawaitable(got):
                    if inspect.iscoroutine(got):
                        got.close()
                    raise _Slow
                result[key] = complete(got, info)
        return result
    return obj
