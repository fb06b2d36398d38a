"""A bounded cache of compiled plans per query text, shared by the compiled page and
question paths (api/graphql/compiled.py, compiled_questions.py).

Analysts and dashboards send the same few query texts again and again: compiling one
(parse, validation, limits, shape check) once and keeping the plan — or the verdict "not
compilable" (None) — makes the per-request cost a dictionary look-up. Answers are never
cached, only plans. At most ``size`` texts are kept; the least recently used goes first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

P = TypeVar("P")


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
