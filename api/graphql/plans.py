"""A bounded cache of compiled plans per query text, shared by the compiled page and
question paths (api/graphql/compiled.py, compiled_questions.py).

Analysts and dashboards send the same few query texts again and again: compiling one
(parse, validation, limits, shape check) once and keeping the plan — or the verdict "not
compilable" (None) — makes the per-request cost a dictionary look-up. Answers are never
cached, only plans. At most ``size`` texts are kept; the least recently used goes first.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)
from graphql import validate as validate_document

from api.graphql.limits import measure_operation
from api.settings import Limits

P = TypeVar("P")

log = logging.getLogger("stackgraph.api")


class NotCompiled(Exception):  # noqa: N818 - a signal, not an error
    """The operation is not one a compiler handles: the normal execution answers it."""


def checked_query(schema: GraphQLSchema, query: str, limits: Limits
                  ) -> OperationDefinitionNode | None:
    """The one query operation of ``query`` when a compiler may take it: no variables
    (an undefined one fails validation), no directives on the operation, valid, and within
    the depth, page-size and complexity limits; None otherwise (the normal path then
    answers, or reports what is wrong)."""
    doc = parse(query)
    if len(doc.definitions) != 1:
        return None
    op = doc.definitions[0]
    if (not isinstance(op, OperationDefinitionNode) or op.operation != OperationType.QUERY
            or op.variable_definitions or op.directives):
        return None
    if validate_document(schema, doc):
        return None
    m = measure_operation(schema, doc, None, None, limits)
    if m.depth > limits.max_depth or m.page_error or m.cost > limits.max_complexity:
        return None
    return op


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
    shape the compiler did not foresee (logged: the normal path answers it)."""
    try:
        return compile_plan(query)
    except (NotCompiled, GraphQLError):
        return None
    except Exception:
        log.warning("compiling %s failed; it runs normally", what, exc_info=True)
        return None


class PlanCache(Generic[P]):
    """``plan(query)``: the compiled plan of ``query``, or None when it is not compiled
    (then the normal execution answers). ``enabled`` off sends every query there."""

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
