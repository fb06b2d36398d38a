"""Compiled questions: an operation that asks one question is answered by calling the
question and writing its pydantic answer straight into the response's ``data``.

The normal path of a question costs ~1.5-2.5 ms of a request besides the question
itself: Strawberry's operation set-up, graphql-core's execution, converting the pydantic
answer into the mirrored Strawberry objects (``results.to_graphql``, 1.7 ms on a
``chokepoints`` answer of ~3,200 fields) and walking them. For an operation of the shape

    { <question field>(<arguments: literals or variables>) { <fields> } }

this module does, once per query text: parse, validate, the query limits (per request
when there are variables), the literal arguments' coercion and the selection over the
answer type; and per request: coerce the variables (graphql-core's own coercion) and
convert the arguments (as Strawberry does), call the same answer function the resolver
calls
(``questions.ANSWERS``), and complete the pydantic answer along the compiled selection
with graphql-core's rules (null checks, list checks, each scalar's serialisation) and
``to_graphql``'s conversions (maps to ``{key, value}`` entries, ``JSON`` fields made
JSON-able) applied on the way.

Anything else is not compiled: several fields, fragments, directives, repeated
response keys, a root ``__typename``, a selected ``entity`` (a resolver), arguments on
answer fields. The question's own domain error is reported by the lane in Strawberry's
words (``api/graphql/lane.py``); anything else unusual at run time (a null where the
schema says non-null, a scalar that does not serialise) gives way to plain Strawberry,
which then answers or reports the error (questions are reads, so asking again is safe).
Same answer, byte for byte (tests/api/test_compiled_questions.py). Plans are cached per
query text; answers never are.
"""

from __future__ import annotations

import datetime as dt
import keyword
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import Enum
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
    GraphQLString,
    SelectionSetNode,
)
from graphql.execution.values import VariableValues, get_argument_values
from graphql.pyutils import Undefined
from pydantic import BaseModel
from strawberry.types.arguments import convert_arguments

from api.graphql import results
from api.graphql.context import Context
from api.graphql.limits import Pricing
from api.graphql.plans import (
    NotCompiled,
    Operation,
    PlanCache,
    checked_query,
    compile_or_none,
    plain_fields,
    response_key,
)
from api.graphql.questions import ANSWERS
from api.settings import Limits

Complete = Callable[[Any], Any]

#: Built-in leaf types whose serialisation returns the value itself for one Python
#: type (Int and Float within their range: 32 bits, finite): the completion then skips
#: ``coerce_output_value`` for exactly those values; anything else (an int for a String,
#: a bool for an Int, a float out of range...) takes the normal serialisation.
SAME: dict[Any, Any] = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool,
                        GraphQLInt: int, GraphQLFloat: float}
INT_MIN, INT_MAX = -(2 ** 31), 2 ** 31 - 1

#: The test, as a Python expression over ``{v}``, under which a value is its own
#: serialisation (``SAME``): the generated completions skip the leaf call then.
_FAST: dict[Any, str] = {
    str: "type({v}) is str", bool: "type({v}) is bool",
    int: f"type({{v}}) is int and {INT_MIN} <= {{v}} <= {INT_MAX}",
    float: "type({v}) is float and isfinite({v})",
}


@dataclass(frozen=True)
class _Step:
    """One selected field of an object: response key, attribute (None: ``__typename``,
    whose value is ``typename``), the field's conversion, type and selection."""

    key: str
    attr: str | None
    convert: Callable[[Any], Any] | None
    typename: str | None = None
    rtype: Any = None
    sel: SelectionSetNode | None = None


class Fallback(Exception):  # noqa: N818 - a signal, not an error
    """The answer is not what the compiled walk handles: plain Strawberry answers."""


@dataclass(frozen=True)
class QuestionPlan:
    """A compiled question operation."""

    operation: Operation
    root_key: str
    answer: Callable[..., Any]
    field: Any  # the GraphQLField of the question
    node: FieldNode
    strawberry_field: Any
    schema: Any  # the Strawberry schema (scalar registry and config)
    complete: Complete
    #: the converted arguments when there are no variables and every value is immutable
    #: or a list of such (strings, numbers, booleans, dates, enum members, null):
    #: converting the same literals again per request cost 30-60 us; ``bind`` hands
    #: out fresh lists
    literal: dict[str, Any] | None = None

    def bind(self, raw_variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The resolver's keyword arguments, as Strawberry gives them (a fresh value for
        each call, lists included); ``NotCompiled`` when the variables do not coerce or
        exceed a limit (Strawberry reports it)."""
        if self.literal is not None:
            return {k: _fresh(v) for k, v in self.literal.items()}
        return self._convert(self.operation.variables(raw_variables))

    def _convert(self, variables: VariableValues | None) -> dict[str, Any]:
        raw = get_argument_values(self.field, self.node, variables)
        return convert_arguments(raw, self.strawberry_field.arguments,
                                 scalar_registry=self.schema.schema_converter.scalar_registry,
                                 config=self.schema.config)

    async def run(self, context: Context, arguments: dict[str, Any]) -> dict[str, Any]:
        """The ``data`` of the answer. Raises ``Fallback`` (Strawberry answers) or the
        question's own error."""
        answer = await self.answer(context, **arguments)
        return {self.root_key: self.complete(answer)}


class _Builder:
    def __init__(self) -> None:
        self.models = results.mirrored_models()
        self.entries = results.entry_type_names()

    def build(self, rtype: Any, sel: SelectionSetNode | None) -> Complete:  # noqa: C901
        """The completion of a value of ``rtype``: graphql-core's rules, as closures."""
        if isinstance(rtype, GraphQLNonNull):
            if (isinstance(rtype.of_type, GraphQLObjectType)
                    and rtype.of_type.name not in self.entries):
                if sel is None:
                    raise NotCompiled
                return self._object(rtype.of_type, sel, non_null=True)
            inner = self.build(rtype.of_type, sel)

            def non_null(value: Any) -> Any:
                out = inner(value)
                if out is None:
                    raise Fallback
                return out
            return non_null
        if isinstance(rtype, GraphQLList):
            item = self.build(rtype.of_type, sel)
            of = rtype.of_type
            same = SAME.get(of.of_type if isinstance(of, GraphQLNonNull) else of)
            if same is str or same is bool:  # their own serialisation: no call per item
                def listed_plain(value: Any) -> Any:
                    if type(value) is not list:
                        _check_list(value)
                        if value is None or value is Undefined:
                            return None
                    return [v if type(v) is same else item(v) for v in value]
                return listed_plain

            def listed(value: Any) -> Any:
                if type(value) is not list:
                    _check_list(value)
                    if value is None or value is Undefined:
                        return None
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
        same = SAME.get(rtype)
        coerce = rtype.coerce_output_value

        def leaf(value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            if type(value) is same and (same is str or same is bool or (
                    INT_MIN <= value <= INT_MAX if same is int else isfinite(value))):
                return value
            try:
                out = coerce(value)
            except Exception:  # noqa: BLE001 - graphql-core reports it: normal path
                raise Fallback from None
            if out is None or out is Undefined:
                raise Fallback
            return out
        return leaf

    def _object(self, rtype: GraphQLObjectType, sel: SelectionSetNode,
                non_null: bool = False) -> Complete:
        """The completion of an object: one generated function (``_generate``) that reads
        the selected attributes, serialises built-in scalars inline and calls the
        completions of the other fields. ``non_null``: a null raises ``Fallback``."""
        model = self.models.get(rtype.name)
        if model is None:
            raise NotCompiled
        _, hows = results.converter(model)
        how_of = dict(hows)
        steps: list[_Step] = []
        for f in plain_fields(sel):
            name = f.name.value
            if name == "__typename":
                steps.append(_Step(response_key(f), None, None, typename=rtype.name))
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
            steps.append(_Step(response_key(f), attr, _convert(how), rtype=gfield.type,
                               sel=f.selection_set))
        return self._generate(rtype.name, model, steps, non_null)

    def _generate(self, type_name: str, model: type[BaseModel], steps: list[_Step],
                  non_null: bool) -> Complete:
        """Generate and compile the object's completion function.

        Why generated code: the closures' walk cost two or three Python calls per field
        (the non-null check, the leaf, the field loop), 0.19 ms of a ``foreignStakes``
        request (342 fields) and 1.4 ms of ``chokepoints``; the generated function does
        per field one attribute read and, for a built-in scalar of the expected Python
        type, one type test. The rules are the closures' (``build``): a value that is
        not exactly a str / bool / 32-bit int / finite float takes the general leaf
        (graphql-core's serialisation), a non-null field that completes to null raises
        ``Fallback``, nested objects and lists call their own completions. Only names
        come from the query or the schema, and they enter the source as ``repr``
        literals or as checked identifiers; every value is in the namespace."""
        ns: dict[str, Any] = {"Fallback": Fallback, "Undefined": Undefined,
                              "isfinite": isfinite, "M": model}
        body: list[str] = []
        items: list[str] = []
        for i, step in enumerate(steps):
            if step.attr is None:  # __typename
                items.append(f"{step.key!r}: {step.typename!r}")
                continue
            v = f"v{i}"
            read = (f"value.{step.attr}" if step.attr.isidentifier()
                    and not keyword.iskeyword(step.attr) else f"getattr(value, {step.attr!r})")
            body.append(f"    {v} = {read}")
            if step.convert is not None:
                ns[f"C{i}"] = step.convert
                body.append(f"    if {v} is not None:")
                body.append(f"        {v} = C{i}({v})")
            rtype, non_null_field = step.rtype, False
            if isinstance(rtype, GraphQLNonNull):
                rtype, non_null_field = rtype.of_type, True
            fast = _FAST.get(SAME.get(rtype)) if step.sel is None else None
            if fast is not None:
                ns[f"L{i}"] = self.build(rtype, None)
                if non_null_field:
                    body.append(f"    if not ({fast.format(v=v)}):")
                    body.append(f"        {v} = L{i}({v})")
                    body.append(f"        if {v} is None:")
                    body.append("            raise Fallback")
                else:  # a null stays null (the leaf's answer) without the call
                    body.append(f"    if {v} is not None and not ({fast.format(v=v)}):")
                    body.append(f"        {v} = L{i}({v})")
            elif non_null_field and not isinstance(rtype, GraphQLObjectType):
                ns[f"F{i}"] = self.build(rtype, step.sel)  # e.g. a list: the check inline
                body.append(f"    {v} = F{i}({v})")
                body.append(f"    if {v} is None:")
                body.append("        raise Fallback")
            else:  # an object (its completion checks non-null itself), or nullable
                ns[f"F{i}"] = self.build(step.rtype, step.sel)
                body.append(f"    {v} = F{i}({v})")
            items.append(f"{step.key!r}: {v}")
        null = "raise Fallback" if non_null else "return None"
        src = "\n".join([
            "def complete(value):",
            "    if value is None or value is Undefined:",
            f"        {null}",
            "    if type(value) is not M and not isinstance(value, M):",
            "        raise Fallback",
            *body,
            "    return {" + ", ".join(items) + "}",
        ])
        exec(compile(src, f"<completion of {type_name}>", "exec"), ns)
        fn: Complete = ns["complete"]
        return fn

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


def _check_list(value: Any) -> None:
    """Raise ``Fallback`` unless ``value`` is null or a list-like graphql-core completes
    as a list (an iterable other than a string, bytes or a mapping)."""
    if value is None or value is Undefined:
        return
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        raise Fallback


#: Types ``results.jsonable`` hands back unchanged.
_JSON_SAME = frozenset({str, int, float, bool, type(None)})


def _jsonable(value: Any) -> Any:
    """``results.jsonable`` (the normal path's conversion of a ``JSON`` field) with a
    shortcut for the common case, a dict of plain scalars (a relationship's properties):
    the same dict, built without a call per value."""
    if type(value) is dict:
        return {k: v if type(v) in _JSON_SAME else results.jsonable(v)
                for k, v in value.items()}
    return results.jsonable(value)


def _convert(how: Any) -> Callable[[Any], Any] | None:
    """``to_graphql``'s conversion of a field's value (its ``_converter`` entry)."""
    if how == results.PLAIN or how == results.NESTED:
        return None  # nested models are completed as they are (same attributes)
    if how == results.JSON_VALUE:
        return _jsonable
    return _items  # a map: {key, value} entries


def _items(value: Any) -> Any:
    if not isinstance(value, dict):
        raise Fallback
    return list(value.items())


def compile_question(schema: Any, query: str, limits: Limits,
                     pricing: Pricing | None = None) -> QuestionPlan | None:
    """The plan of a question operation, or None when the normal execution answers."""
    owned = pricing or Pricing()
    return compile_or_none(lambda q: _compile(schema, q, limits, owned), query, "a question")


def _compile(schema: Any, query: str, limits: Limits, pricing: Pricing) -> QuestionPlan | None:
    gschema = schema.graphql_schema
    op = checked_query(gschema, query, limits, pricing)
    if op is None:
        return None
    if len(op.node.selection_set.selections) != 1:
        return None
    root = op.node.selection_set.selections[0]
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
    plan = QuestionPlan(op, response_key(root), answer, field, root, sfield, schema,
                        complete)
    if op.node.variable_definitions:
        return plan
    converted = plan.bind()  # coercible now, or not compiled (Strawberry reports it)
    if all(_immutable(v) for v in converted.values()):
        plan = replace(plan, literal=converted)
    return plan


_IMMUTABLE = (str, int, float, bool, type(None), dt.date, dt.datetime, dt.time, Enum)


def _immutable(value: Any) -> bool:
    """A value a question cannot change (or a list of such: copied per request)."""
    if type(value) is list:
        return all(_immutable(v) for v in value)
    return isinstance(value, _IMMUTABLE)


def _fresh(value: Any) -> Any:
    """A new copy of the lists of an ``_immutable`` value; the rest shared."""
    if type(value) is list:
        return [_fresh(v) for v in value]
    return value


class CompiledQuestions(PlanCache[QuestionPlan]):
    """The plans of the question operations seen, per query text
    (api/graphql/plans.py)."""

    def __init__(self, schema: Any, limits: Limits, pricing: Pricing, size: int = 256) -> None:
        super().__init__(lambda query: compile_question(schema, query, limits, pricing), size)
        self.schema = schema
        self.limits = limits
