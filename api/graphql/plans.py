"""What the compiled path (``compiled.py`` pages, ``compiled_questions.py`` questions)
shares: the check of an operation it may take, the per-request variables, and a
bounded cache of plans per query text.

Analysts, dashboards and GraphQL clients send the same few query texts again and again,
with literals or with variables: compiling one (parse, validation, shape check) once and
keeping the plan — or the verdict "not compiled" (None) — makes the per-request cost a
dictionary look-up plus, with variables, graphql-core's own variable coercion and the
limits measured on the values given. Answers are never cached, only plans. At most
``size`` texts are kept; the least recently used goes first.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)
from graphql import validate as validate_document
from graphql.execution.values import VariableValues, get_variable_values

from api.graphql.limits import Pricing, measure_operation
from api.settings import Limits

P = TypeVar("P")

log = logging.getLogger("stackgraph.api")


class NotCompiled(Exception):  # noqa: N818 - a signal, not an error
    """The operation (or this request of it) is not one the compiled path takes: plain
    Strawberry answers it."""


@dataclass(frozen=True)
class Operation:
    """A checked query operation: valid, one operation, no directives on it, and (when
    it has no variables) within the limits."""

    schema: GraphQLSchema
    document: DocumentNode
    node: OperationDefinitionNode
    limits: Limits
    pricing: Pricing

    @property
    def name(self) -> str | None:
        return self.node.name.value if self.node.name else None

    def variables(self, raw: Mapping[str, Any] | None) -> VariableValues | None:
        """The request's variables coerced by graphql-core's own rules (the ones
        Strawberry's execution applies), and the limits measured with them; raises
        ``NotCompiled`` when they do not coerce or exceed a limit (Strawberry then
        reports exactly what is wrong)."""
        definitions = self.node.variable_definitions
        if not definitions:
            return None
        coerced = get_variable_values(self.schema, definitions, dict(raw or {}))
        if isinstance(coerced, list):  # the errors graphql-core would report
            raise NotCompiled
        if not within_limits(self.schema, self.document, coerced.coerced, self.limits,
                             self.pricing.degree):
            raise NotCompiled
        return coerced


def within_limits(schema: GraphQLSchema, document: DocumentNode,
                  variables: dict[str, Any] | None, limits: Limits, degree: float) -> bool:
    m = measure_operation(schema, document, None, variables, limits, degree)
    return not (m.depth > limits.max_depth or m.page_error or m.cost > limits.max_complexity)


def checked_query(schema: GraphQLSchema, query: str, limits: Limits,
                  pricing: Pricing) -> Operation | None:
    """The one query operation of ``query`` when the compiled path may take it: no
    directives on the operation, valid, and — without variables — within the depth,
    page-size and complexity limits (with variables they are measured per request,
    ``Operation.variables``); None otherwise (Strawberry then answers, or reports what
    is wrong)."""
    doc = parse(query)
    if len(doc.definitions) != 1:
        return None
    op = doc.definitions[0]
    if (not isinstance(op, OperationDefinitionNode) or op.operation != OperationType.QUERY
            or op.directives):
        return None
    if validate_document(schema, doc):
        return None
    if not op.variable_definitions and not within_limits(schema, doc, None, limits,
                                                         pricing.degree):
        return None
    return Operation(schema, doc, op, limits, pricing)


def response_key(f: FieldNode) -> str:
    """The field's key in the response: its alias, else its name."""
    return f.alias.value if f.alias else f.name.value


def plain_fields(sel: SelectionSetNode | None) -> list[FieldNode]:
    """The selected fields, or NotCompiled for fragments, directives, arguments or
    repeated response keys."""
    if sel is None:
        raise NotCompiled
    out: list[FieldNode] = []
    for node in sel.selections:
        if not isinstance(node, FieldNode) or node.directives or node.arguments:
            raise NotCompiled
        out.append(node)
    keys = [response_key(f) for f in out]
    if len(set(keys)) != len(keys):
        raise NotCompiled
    return out


def compile_or_none(compile_plan: Callable[[str], P | None], query: str, what: str
                    ) -> P | None:
    """``compile_plan(query)``, or None when the operation is not compiled — including a
    shape the compiler did not foresee (logged: Strawberry answers it)."""
    try:
        return compile_plan(query)
    except (NotCompiled, GraphQLError):
        return None
    except Exception:
        log.warning("compiling %s failed; it runs normally", what, exc_info=True)
        return None


class PlanCache(Generic[P]):
    """``plan(query)``: the compiled plan of ``query``, or None when it is not compiled
    (then Strawberry answers). ``enabled`` off sends every query there."""

    def __init__(self, compile_plan: Callable[[str], P | None], size: int = 256) -> None:
        self._compile = compile_plan
        self.size = size
        self.enabled = True
        self._plans: OrderedDict[str, P | None] = OrderedDict()

    def plan(self, query: str) -> P | None:
        if not self.enabled:
            return None
        if query in self._plans:
            self._plans.move_to_end(query)
            return self._plans[query]
        found = self._compile(query)
        self._plans[query] = found
        if len(self._plans) > self.size:
            self._plans.popitem(last=False)
        return found
