"""Limits that keep one GraphQL query from taking the server down, and error codes.

* ``QueryLimits`` (a schema extension) measures the operation before it runs, with its
  variables: selection depth (``DEPTH_LIMIT``), estimated cost (``COMPLEXITY_LIMIT``:
  every field costs 1, times the page size of the list it sits in; a nested list that
  takes no page size counts as ``list_fanout`` items; an analytic field, a question,
  costs ``analytic_cost`` plus its traversal budget, so aliases and fragments repeating
  a question add up) and page sizes (``PAGE_SIZE_LIMIT``). An operation over a limit is
  not executed at all, and measuring it runs no Neo4j query.
* ``Pricing.check_traversal`` budgets a path question by its traversal: hops over
  ``max_hops`` is ``HOPS_LIMIT``; the estimated number of paths, mean out-degree of the
  graph raised to the hops, over ``max_fanout`` is ``FANOUT_LIMIT``. ``Pricing`` holds
  the degree and the measures, one per app.
* ``ErrorCodes`` puts the code of every error into ``extensions.code`` (and the hint into
  ``extensions.hint``), so clients can branch on it: a bad argument value, scalars
  included, is ``BAD_ARGUMENT``; anything unexpected ``INTERNAL_ERROR`` with the
  request id (``api.errors.public_error``).
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol, cast

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from api.errors import ApiError, public_error, request_id_of
from api.settings import Limits
from graph.db import Graph
from graph.errors import StackgraphError
from queries import entities

PAGE_ARGS = ("first", "limit")

#: The analytic fields (questions) of the Query type, with the argument bounding their
#: traversal (None: no hop argument; they cost ``analytic_cost`` alone)
ANALYTIC: dict[str, str | None] = {
    "diversionRisk": "maxHops", "consortiumExposure": "maxHops", "paths": "maxHops",
    "foreignStakes": "maxDepth", "americanStackStakes": "maxDepth",
    "reverseStakes": "maxDepth", "chokepoints": None, "whatIf": None,
}


def analytic_cost(limits: Limits, hops: int | None, degree: float) -> float:
    """Complexity of one analytic field: ``analytic_cost``, plus its traversal estimate
    (as ``check_traversal`` makes it) as a share of the fan-out budget, scaled so that a
    question using its whole fan-out budget (``max_fanout``) costs half the complexity
    budget: two such questions fit in a request, a third does not. Hops over ``max_hops``
    are priced as ``max_hops`` and an estimate over the budget as the budget (the field
    is refused with ``HOPS_LIMIT`` / ``FANOUT_LIMIT`` when it runs)."""
    cost = float(limits.analytic_cost)
    if hops is not None and hops > 0 and limits.max_fanout > 0:
        estimate = traversal_estimate(degree, min(hops, limits.max_hops))
        cost += min(estimate / limits.max_fanout, 1.0) * limits.max_complexity / 2
    return cost


@dataclass
class Measure:
    depth: int = 0
    cost: float = 0.0
    page_error: str | None = None


class _Walker:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode],
                 variables: dict[str, Any], limits: Limits, degree: float = 1.0) -> None:
        self.schema = schema
        self.degree = degree
        self.fragments = fragments
        self.variables = variables
        self.limits = limits
        self.page_error: str | None = None

    def _fields(self, sel: SelectionSetNode | None, seen: frozenset[str] = frozenset()
                ) -> Iterator[tuple[FieldNode, str | None]]:
        """Fields of a selection set with fragments expanded (type condition kept)."""
        if sel is None:
            return
        for node in sel.selections:
            if isinstance(node, FieldNode):
                yield node, None
            elif isinstance(node, InlineFragmentNode):
                cond = node.type_condition.name.value if node.type_condition else None
                for f, c in self._fields(node.selection_set, seen):
                    yield f, c or cond
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                frag = self.fragments.get(name)
                if frag is None or name in seen:
                    continue
                for f, c in self._fields(frag.selection_set, seen | {name}):
                    yield f, c or frag.type_condition.name.value

    def _arg(self, field: FieldNode, name: str) -> Any:
        for arg in field.arguments or ():
            if arg.name.value == name:
                return value_from_ast_untyped(arg.value, self.variables)
        return None

    def _hops(self, owner: Any, field: FieldNode, name: str) -> int | None:
        """The hops an analytic field asks for: its argument, else the default."""
        arg = ANALYTIC[name]
        if arg is None:
            return None
        value = self._arg(field, arg)
        if value is None:
            declared = owner.fields[name].args.get(arg) if owner.fields.get(name) else None
            value = declared.default_value if declared is not None else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def _page_defaults(self, parent: Any, name: str) -> list[int]:
        """Default page sizes declared by the field (``first: Int = 20``)."""
        fields = getattr(parent, "fields", None)
        if not fields or name not in fields:
            return []
        out = []
        for arg_name, arg in fields[name].args.items():
            if arg_name in PAGE_ARGS and isinstance(arg.default_value, int):
                out.append(arg.default_value)
        return out

    def _field_type(self, parent: Any, name: str) -> Any:
        fields = getattr(parent, "fields", None)
        if fields and name in fields:
            return fields[name].type
        return None

    def measure(self, sel: SelectionSetNode | None, parent: Any,
                page: int | None = None) -> tuple[int, float]:
        """(depth, cost) of a selection set under ``parent`` type.

        A list field costs its children times its length: its own ``first``/``limit``, or
        the page size of the field above it (a connection's ``nodes``, a question's
        ``paths`` bounded by its ``limit``), or ``list_fanout``."""
        depth, cost = 0, 0.0
        for field, cond in self._fields(sel):
            name = field.name.value
            if name.startswith("__"):
                continue  # introspection: GraphiQL's own queries
            owner = self.schema.get_type(cond) if cond else parent
            ftype = self._field_type(owner, name)
            is_list, named = _unwrap(ftype)
            own: int | None = None
            for arg in PAGE_ARGS:
                value = self._arg(field, arg)
                if isinstance(value, int) and not isinstance(value, bool):
                    own = value
                    if value > self.limits.max_page_size and self.page_error is None:
                        self.page_error = (f"{name}({arg}: {value}) asks for more than "
                                           f"{self.limits.max_page_size} items")
            if own is None:
                defaults = self._page_defaults(owner, name)
                own = defaults[0] if defaults else None
            child_depth, child_cost = (0, 0.0)
            if field.selection_set is not None:
                child_depth, child_cost = self.measure(
                    field.selection_set, named, None if is_list else own)
            if is_list:
                size = own if own is not None else (page if page is not None
                                                    else self.limits.list_fanout)
            else:
                size = 1
            depth = max(depth, 1 + child_depth)
            cost += 1 + max(size, 1) * child_cost
            if owner is self.schema.query_type and name in ANALYTIC:
                cost += analytic_cost(self.limits, self._hops(owner, field, name),
                                      self.degree)
        return depth, cost


def _unwrap(t: Any) -> tuple[bool, Any]:
    is_list = False
    while isinstance(t, (GraphQLNonNull, GraphQLList)):
        if isinstance(t, GraphQLList):
            is_list = True
        t = t.of_type
    return is_list, t


def measure_operation(schema: GraphQLSchema, document: Any, operation_name: str | None,
                      variables: dict[str, Any] | None, limits: Limits,
                      degree: float) -> Measure:
    """Depth, cost and page sizes of an operation, traversals priced with the mean
    out-degree ``degree`` (``Pricing.degree``)."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        ops = [o for o in ops if o.name and o.name.value == operation_name]
    walker = _Walker(schema, fragments, variables or {}, limits, degree)
    out = Measure()
    for op in ops[:1]:
        root: GraphQLObjectType | None = {
            "query": schema.query_type, "mutation": schema.mutation_type,
            "subscription": schema.subscription_type}.get(op.operation.value)
        out.depth, out.cost = walker.measure(op.selection_set, root)
    out.page_error = walker.page_error
    return out


class HasGraphQLSchema(Protocol):
    """A Strawberry schema that hands out its graphql-core schema (``StackgraphSchema``)."""

    @property
    def graphql_schema(self) -> GraphQLSchema: ...


def limit_error(code: str, message: str, hint: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, "hint": hint})


class QueryLimits(SchemaExtension):
    """Refuse, before execution, an operation deeper, costlier or with larger pages than
    the limits allow."""

    def __init__(self, limits: Limits, pricing: Pricing) -> None:
        self.limits = limits
        self.pricing = pricing

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.graphql_document is not None:
            schema = cast(HasGraphQLSchema, ctx.schema).graphql_schema  # StackgraphSchema
            m = self.pricing.measure(schema, ctx.graphql_document, ctx.query,
                                     ctx.operation_name, ctx.variables, self.limits)
            error = None
            if m.depth > self.limits.max_depth:
                error = limit_error("DEPTH_LIMIT", f"the query is {m.depth} levels deep; the "
                                    f"limit is {self.limits.max_depth}",
                                    "select fewer nested levels, or run two queries")
            elif m.page_error:
                error = limit_error("PAGE_SIZE_LIMIT", m.page_error,
                                    f"ask for at most {self.limits.max_page_size} and page "
                                    "with `after`")
            elif m.cost > self.limits.max_complexity:
                error = limit_error("COMPLEXITY_LIMIT", f"the query's estimated cost is "
                                    f"{m.cost:.0f}; the limit is {self.limits.max_complexity}",
                                    "ask for smaller pages, fewer nested lists, or fewer "
                                    "questions (and hops) per request")
            if error is not None:
                ctx.result = GraphQLExecutionResult(data=None, errors=[error])
        yield


#: graphql-core's messages for an argument or variable value of the wrong type or format
#: (scalars' own parse errors included): these are BAD_ARGUMENT, not GRAPHQL_VALIDATION
_BAD_VALUE = re.compile(r"^(Expected value of type|Variable '\$[^']+' (got|has) invalid value|"
                        r"Variable '\$[^']+' of (required|non-null) type|Argument '[^']+' of "
                        r"(required|non-null) type|\w+ cannot represent|Invalid value|"
                        r"Expected type)")


def add_code(err: GraphQLError, request_id: str) -> None:
    """Give ``err`` an ``extensions.code``: a domain error's own public code,
    ``BAD_ARGUMENT`` for a bad argument value, ``GRAPHQL_VALIDATION`` for a malformed
    query, and ``INTERNAL_ERROR`` (with the request id, details only in the server log)
    for anything else. The compiled path (lane.py) codes its errors with it too."""
    ext = dict(err.extensions or {})
    if "code" in ext:
        return
    orig = err.original_error
    if _BAD_VALUE.match(err.message):
        ext["code"] = "BAD_ARGUMENT"
        ext["hint"] = "check the argument's type and format (dates are YYYY-MM-DD)"
    elif isinstance(orig, StackgraphError) or (orig is not None
                                               and not isinstance(orig, GraphQLError)):
        shown = public_error(orig, request_id)
        ext["code"] = shown.code
        if shown.hint:
            ext["hint"] = shown.hint
        err.message = shown.message
    else:
        ext["code"] = "GRAPHQL_VALIDATION"
    err.extensions = ext


def unavailable(errors: list[GraphQLError]) -> bool:
    """Whether the errors make the whole response a 503 (Neo4j down)."""
    return bool({(e.extensions or {}).get("code") for e in errors} & UNAVAILABLE)


class ErrorCodes(SchemaExtension):
    """Give every error an ``extensions.code`` (``add_code``); a 503 when Neo4j is
    down."""

    def _request_id(self) -> str:
        request = getattr(self.execution_context.context, "request", None)
        return request_id_of(request.scope) if request is not None else "-"

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = list(getattr(result, "errors", None) or [])
        errors += list(self.execution_context.pre_execution_errors or [])
        for err in errors:
            add_code(err, self._request_id())
        response = getattr(self.execution_context.context, "response", None)
        if response is not None and unavailable(errors):
            # Neo4j down: a 503 the client and load balancers understand, with a retry hint
            response.status_code = 503
            response.headers["Retry-After"] = "5"


#: Error codes that make the whole response a 503.
UNAVAILABLE = {"NEO4J_UNAVAILABLE", "NEO4J_AUTH_FAILED"}


# -- traversal budget of path questions ---------------------------------------------------


class Pricing:
    """What prices traversals, owned by one app (``create_app`` makes it and hands it to
    the schema's ``QueryLimits``, the compiled path and every request's context): the
    graph's mean out-degree and the measures of variable-free operations.

    * The degree is measured by a path question's budget check (``check_traversal``), at
      most every ``ttl`` seconds; pricing a request reads the last value (1 before the
      first, a lower bound), so measuring a request never queries Neo4j.
    * A measure of an operation without variables depends only on its text, its operation
      name, the limits and the degree: it is kept under that key (the query text, not the
      parsed document's ``id()``, which Python reuses once a document is freed), at most
      ``size`` of them, the oldest dropped first.

    Per app rather than per process, so two apps in one process (tests, ``stackgraph
    up``'s) never share a degree or a measure, and a stopped app's state goes with it."""

    def __init__(self, ttl: float = 300.0, size: int = 1024) -> None:
        self.ttl = ttl
        self.size = size
        self._lock = threading.Lock()  # the budget check runs in worker threads
        self._degree = 1.0
        self._measured_at: float | None = None
        self._measures: OrderedDict[tuple[str, str | None, float], tuple[Limits, Measure]] = (
            OrderedDict())

    @property
    def degree(self) -> float:
        """The mean out-degree last measured (1 before the first)."""
        return self._degree

    def mean_out_degree(self, graph: Graph) -> float:
        """Relationships per node of the graph (measured again after ``ttl`` seconds):
        the branching factor a path search can expect."""
        now = time.monotonic()
        with self._lock:
            if self._measured_at is not None and now - self._measured_at < self.ttl:
                return self._degree
        degree = entities.mean_out_degree(graph)
        with self._lock:
            self._degree, self._measured_at = degree, now
        return degree

    def check_traversal(self, graph: Graph, limits: Limits, hops: int,
                        what: str = "max_hops") -> None:
        """Raise HOPS_LIMIT or FANOUT_LIMIT when a path question would traverse too
        much."""
        if hops > limits.max_hops:
            raise ApiError("HOPS_LIMIT", f"{what} {hops} is over the API's limit of "
                           f"{limits.max_hops} hops", hint=f"ask for at most {limits.max_hops}")
        estimate = traversal_estimate(self.mean_out_degree(graph), hops)
        if estimate > limits.max_fanout:
            raise ApiError("FANOUT_LIMIT", f"a search of {hops} hops could traverse about "
                           f"{estimate:.0f} paths; the budget is {limits.max_fanout:.0f}",
                           hint="ask for fewer hops or restrict the relationship types")

    def measure(self, schema: GraphQLSchema, document: Any, query: str | None,
                operation_name: str | None, variables: dict[str, Any] | None,
                limits: Limits) -> Measure:
        """``measure_operation`` at the current degree, kept per query text when the
        request has no variables."""
        degree = self._degree
        if variables or query is None:
            return measure_operation(schema, document, operation_name, variables, limits,
                                     degree)
        key = (query, operation_name, degree)
        with self._lock:
            hit = self._measures.get(key)
            if hit is not None and hit[0] is limits:
                self._measures.move_to_end(key)
                return hit[1]
        m = measure_operation(schema, document, operation_name, None, limits, degree)
        with self._lock:
            self._measures[key] = (limits, m)
            while len(self._measures) > self.size:
                self._measures.popitem(last=False)
        return m


def traversal_estimate(degree: float, hops: int) -> float:
    """Paths a search of ``hops`` can meet: sum of degree^k for k = 1..hops."""
    return sum(degree ** k for k in range(1, hops + 1))
