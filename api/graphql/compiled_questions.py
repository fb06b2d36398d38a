"""Compiled questions: an operation that asks one question is answered by calling the
question and writing its pydantic answer straight into the response's ``data``.

The normal path of a question costs ~1.5-2.5 ms of a request besides the question
itself: Strawberry's operation set-up, graphql-core's execution, converting the pydantic
answer into the mirrored Strawberry objects (``results.to_graphql``, 1.7 ms on a
``chokepoints`` answer of ~3,200 fields) and walking them. For an operation of the shape

    { <question field>(<literal arguments>) { <fields> } }

this module does, once per query text: parse, validate, the query limits, the
arguments' coercion and the selection over the answer type; and per request: convert the
arguments (as Strawberry does), call the same answer function the resolver calls
(``questions.ANSWERS``), and complete the pydantic answer along the compiled selection
with graphql-core's rules (null checks, list checks, each scalar's serialisation) and
``to_graphql``'s conversions (maps to ``{key, value}`` entries, ``JSON`` fields made
JSON-able) applied on the way.

Anything else is not compiled: variables, several fields, fragments, directives,
repeated response keys, a root ``__typename``, a selected ``entity`` (a resolver),
arguments on answer fields. And anything unusual at run time (the question raising, a
null where the schema says non-null, a scalar that does not serialise) falls back to the
normal execution, which then answers or reports the error exactly as before (questions
are reads, so asking again is safe). Same answer, byte for byte
(tests/api/test_compiled_questions.py). Plans are cached per query text; answers never
are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from math import isfinite
from typing import Any

from graphql import (
    FieldNode,
    GraphQLBoolean,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    SelectionSetNode,
    get_argument_values,
)
from graphql.pyutils import Undefined
from pydantic import BaseModel
from strawberry.types.arguments import convert_arguments

from api.graphql import results
from api.graphql.context import Context
from api.graphql.plans import (
    NotCompiled,
    PlanCache,
    checked_query,
    compile_or_none,
    plain_fields,
    response_key,
)
from api.graphql.questions import ANSWERS
from api.settings import Limits

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
#: Scalars whose serialisation of a value of exactly this Python type is the value
#: (within range for Int, finite for Float), as graphql-core's.
_SAME: dict[Any, Any] = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool,
                          GraphQLInt: int, GraphQLFloat: float}

Complete = Callable[[Any], Any]


class Fallback(Exception):  # noqa: N818 - a signal, not an error
    """The answer is not what the compiled walk handles: use the normal execution."""


@dataclass(frozen=True)
class QuestionPlan:
    """A compiled question operation."""

    root_key: str
    answer: Callable[..., Any]
    field: Any  # the GraphQLField of the question
    node: FieldNode
    strawberry_field: Any
    schema: Any  # the Strawberry schema (scalar registry and config)
    complete: Complete

    def arguments(self) -> dict[str, Any]:
        """The resolver's keyword arguments, as Strawberry gives them (converted per
        request: a fresh value for each call, lists included)."""
        raw = get_argument_values(self.field, self.node, None)
        return convert_arguments(raw, self.strawberry_field.arguments,
                                 scalar_registry=self.schema.schema_converter.scalar_registry,
                                 config=self.schema.config)

    async def run(self, context: Context) -> dict[str, Any]:
        """The ``data`` of the answer. Raises (``Fallback`` or the question's error) when
        the normal execution must answer instead."""
        answer = await self.answer(context, **self.arguments())
        return {self.root_key: self.complete(answer)}


def _models() -> dict[str, type[BaseModel]]:
    """The pydantic model of each mirrored GraphQL type, by type name."""
    out = {}
    for model, cls in results._TYPES.items():
        definition = getattr(cls, "__strawberry_definition__", None)
        if definition is not None:
            out[definition.name] = model
    return out


class _Builder:
    def __init__(self) -> None:
        self.models = _models()
        self.entries = {cls.__strawberry_definition__.name
                        for cls in results._ENTRIES.values()}

    def build(self, rtype: Any, sel: SelectionSetNode | None) -> Complete:  # noqa: C901
        """The completion of a value of ``rtype``: graphql-core's rules, as closures."""
        if isinstance(rtype, GraphQLNonNull):
            inner = self.build(rtype.of_type, sel)

            def non_null(value: Any) -> Any:
                out = inner(value)
                if out is None:
                    raise Fallback
                return out
            return non_null
        if isinstance(rtype, GraphQLList):
            item = self.build(rtype.of_type, sel)

            def listed(value: Any) -> Any:
                if value is None or value is Undefined:
                    return None
                if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
                    raise Fallback
                return [item(v) for v in value]
            return listed
        if isinstance(rtype, GraphQLObjectType):
            if sel is None:
                raise NotCompiled
            if rtype.name in self.entries:
                return self._entry(rtype, sel)
            return self._object(rtype, sel)
        if sel is not None or not hasattr(rtype, "coerce_output_value"):
            raise NotCompiled
        same = _SAME.get(rtype)
        coerce = rtype.coerce_output_value

        def leaf(value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            if type(value) is same and (same is str or same is bool or (
                    _INT_MIN <= value <= _INT_MAX if same is int else isfinite(value))):
                return value
            try:
                out = coerce(value)
            except Exception:  # noqa: BLE001 - graphql-core reports it: normal path
                raise Fallback from None
            if out is None or out is Undefined:
                raise Fallback
            return out
        return leaf

    def _object(self, rtype: GraphQLObjectType, sel: SelectionSetNode) -> Complete:
        model = self.models.get(rtype.name)
        if model is None:
            raise NotCompiled
        _, hows = results._converter(model)
        how_of = dict(hows)
        steps: list[tuple[str, str | None, Any, Any]] = []
        for f in plain_fields(sel):
            name = f.name.value
            if name == "__typename":
                steps.append((response_key(f), None, None, rtype.name))
                continue
            gfield = rtype.fields.get(name)
            if gfield is None:
                raise NotCompiled
            sdef = gfield.extensions.get("strawberry-definition")
            if sdef is None or sdef.base_resolver is not None:
                raise NotCompiled  # EntityRef.entity: a resolver, the normal path
            attr = sdef.python_name
            how = how_of.get(attr)
            if how is None:
                raise NotCompiled
            steps.append((response_key(f), attr, _convert(how), self.build(gfield.type,
                                                                  f.selection_set)))

        def obj(value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            if not isinstance(value, model):
                raise Fallback
            out: dict[str, Any] = {}
            for key, attr, convert, complete in steps:
                if attr is None:
                    out[key] = complete  # __typename
                    continue
                v = getattr(value, attr)
                if convert is not None and v is not None:
                    v = convert(v)
                out[key] = complete(v)
            return out
        return obj

    def _entry(self, rtype: GraphQLObjectType, sel: SelectionSetNode) -> Complete:
        """A ``{key, value}`` entry of a map: the walk's value is a ``(key, value)``
        pair of the dict's items."""
        steps: list[tuple[str, int | None, Any]] = []
        for f in plain_fields(sel):
            name = f.name.value
            if name == "__typename":
                steps.append((response_key(f), None, rtype.name))
            elif name in ("key", "value"):
                steps.append((response_key(f), 0 if name == "key" else 1,
                              self.build(rtype.fields[name].type, f.selection_set)))
            else:
                raise NotCompiled

        def entry(pair: Any) -> Any:
            if pair is None:
                return None
            out: dict[str, Any] = {}
            for key, index, complete in steps:
                out[key] = complete if index is None else complete(pair[index])
            return out
        return entry


def _convert(how: Any) -> Callable[[Any], Any] | None:
    """``to_graphql``'s conversion of a field's value (its ``_converter`` entry)."""
    if how == results._PLAIN or how == results._NESTED:
        return None  # nested models are completed as they are (same attributes)
    if how == results._JSON:
        return results._jsonable
    return _items  # a map: {key, value} entries


def _items(value: Any) -> Any:
    if not isinstance(value, dict):
        raise Fallback
    return list(value.items())


def compile_question(schema: Any, query: str, limits: Limits) -> QuestionPlan | None:
    """The plan of a question operation, or None when the normal execution answers."""
    return compile_or_none(lambda q: _compile(schema, q, limits), query, "a question")


def _compile(schema: Any, query: str, limits: Limits) -> QuestionPlan | None:
    gschema: GraphQLSchema = schema._schema
    op = checked_query(gschema, query, limits)
    if op is None:
        return None
    if len(op.selection_set.selections) != 1:
        return None
    root = op.selection_set.selections[0]
    if not isinstance(root, FieldNode) or root.directives:
        return None
    answer = ANSWERS.get(root.name.value)
    query_type = gschema.query_type
    if answer is None or query_type is None:
        return None
    field = query_type.fields[root.name.value]
    sfield = field.extensions.get("strawberry-definition")
    if sfield is None:
        return None
    complete = _Builder().build(field.type, root.selection_set)
    plan = QuestionPlan(response_key(root), answer, field, root, sfield, schema, complete)
    plan.arguments()  # coercible now, or not compiled (the normal path reports it)
    return plan


class CompiledQuestions(PlanCache[QuestionPlan]):
    """The plans of the question operations seen, per query text
    (api/graphql/plans.py)."""

    def __init__(self, schema: Any, limits: Limits, size: int = 256) -> None:
        super().__init__(lambda query: compile_question(schema, query, limits), size)
        self.schema = schema
        self.limits = limits
        #: compiled answers that gave way to the normal execution (an error, a surprise)
        self.fallbacks = 0
