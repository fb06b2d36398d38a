"""The generated completion of compiled questions (api/graphql/compiled_questions.py)
against graphql-core's own execution, on answers with edge values no Neo4j data gives:
floats that are not finite, integers beyond 32 bits, subclasses of str and int, nulls
where the schema says non-null, properties holding dates, lists and nested maps. For each
answer either both paths give the same ``data``, byte for byte once encoded, or the
compiled walk gives way (``Fallback``) and graphql-core reports an error. And the
arguments a plan hands out are fresh per request."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.graphql import questions
from api.graphql.compiled_questions import Fallback, compile_question
from api.graphql.context import Context
from api.settings import Limits
from queries.models import (
    Bounds,
    CountryStake,
    EntityRef,
    Hop,
    OwnerStake,
    SourceRef,
    StakePath,
    StakesResult,
)
from tests.api.test_compiled_questions import SCHEMA, whole

WIDE = Limits(_env_file=None, max_depth=30, max_complexity=10**9)  # type: ignore[call-arg]
QUERY = whole("foreignStakes", 'firm: "firm:x"')


class Name(str):
    """A str subclass: not the exact type the generated fast test accepts."""


class Count(int):
    """An int subclass, likewise."""


floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                   st.sampled_from([0.0, 1.0, 0.5]))
ints = st.one_of(st.integers(min_value=-(2**40), max_value=2**40),
                 st.integers(min_value=0, max_value=6), st.builds(Count, st.integers(0, 9)))
texts = st.one_of(st.text(max_size=5), st.builds(Name, st.text(max_size=3)))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), floats, texts,
                    st.dates(), st.datetimes())
props = st.dictionaries(st.text(max_size=4), st.one_of(
    scalars, st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=3), scalars, max_size=2)), max_size=4)


def _maybe_null(value: st.SearchStrategy[Any], p: bool) -> st.SearchStrategy[Any]:
    return st.one_of(value, st.none()) if p else value


@st.composite
def answers(draw: st.DrawFn) -> StakesResult:
    """A ``StakesResult`` built without validation where ``nulls`` asks for a null in a
    non-null field (pydantic would refuse it; the walk must not pass it on)."""
    nulls = draw(st.booleans())

    def bounds() -> Bounds:
        return Bounds.model_construct(low=draw(floats), high=draw(floats),
                                      exact=draw(_maybe_null(st.booleans(), nulls)))

    def ref() -> EntityRef:
        return EntityRef.model_construct(id=draw(texts), name=draw(_maybe_null(texts, nulls)),
                                         label=draw(texts))

    def hop() -> Hop:
        return Hop.model_construct(
            type=draw(texts), from_id=draw(texts), from_name=draw(texts), to_id=draw(texts),
            to_name=draw(_maybe_null(texts, nulls)), direction="forward",
            properties=draw(props), confidence=draw(st.one_of(st.none(), texts)),
            factor=draw(st.one_of(st.none(), floats)),
            sources=[SourceRef.model_construct(id=draw(texts), title=draw(
                st.one_of(st.none(), texts))) for _ in range(draw(st.integers(0, 2)))])

    owners = [OwnerStake.model_construct(
        owner=ref(), country=draw(st.one_of(st.none(), texts)), effective=bounds(),
        residual=bounds(),
        paths=[StakePath.model_construct(hops=[hop() for _ in range(draw(st.integers(1, 2)))],
                                         product=bounds())
               for _ in range(draw(st.integers(0, 2)))])
        for _ in range(draw(st.integers(0, 2)))]
    by_country = [CountryStake.model_construct(
        country=draw(texts), stake=bounds(), foreign=draw(st.booleans()),
        owners=draw(st.lists(_maybe_null(texts, nulls), max_size=2)))
        for _ in range(draw(st.integers(0, 2)))]
    return StakesResult.model_construct(
        target=ref(), country=draw(st.one_of(st.none(), texts)), as_of=dt.date(2025, 6, 1),
        max_depth=draw(ints), owners=owners, by_country=by_country, foreign_share=bounds())


def _text(data: Any) -> str:
    """The JSON text, key order kept (the standard encoder: it takes integers beyond 64
    bits, which the router's orjson hands to it too, and a JSON field's NaN as text)."""
    return json.dumps(data, separators=(",", ":"))


def _compare(answer: StakesResult, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Both paths on ``answer``; True when the compiled walk answered (not gave way)."""
    async def run(context: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return answer

    monkeypatch.setattr(questions, "run", run)  # both paths ask through questions.run
    plan = compile_question(SCHEMA, QUERY, WIDE)
    assert plan is not None
    context = Context(None, None, "local")  # type: ignore[arg-type]
    normal = asyncio.run(SCHEMA.execute(QUERY, context_value=context))
    try:
        data = asyncio.run(plan.run(context, plan.bind()))
    except Fallback:
        assert normal.errors, "the compiled walk gave way on an answer graphql-core takes"
        return False
    assert not normal.errors, normal.errors
    assert _text(data) == _text(normal.data)
    return True


@settings(max_examples=300, deadline=None)
@given(answer=answers())
def test_same_data_or_fallback_on_edge_values(answer: StakesResult) -> None:
    with pytest.MonkeyPatch.context() as mp:
        _compare(answer, mp)


def test_plain_answer_is_answered_by_the_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard for the property test: an ordinary answer takes the compiled walk."""
    b = Bounds(low=0.2, high=0.5, exact=False)
    ref = EntityRef(id="firm:a", name="A", label="Firm")
    hop = Hop(type="OWNS", from_id="firm:a", from_name="A", to_id="firm:x", to_name="X",
              direction="forward", properties={"share": 0.2, "since": dt.date(2020, 1, 1),
                                               "tags": ["a", 1], "m": {"k": None}},
              sources=[SourceRef(id="src:1", title=None)])
    answer = StakesResult(target=ref, country="USA", as_of=dt.date(2025, 6, 1), max_depth=6,
                          owners=[OwnerStake(owner=ref, country=None, effective=b,
                                             residual=b, paths=[StakePath(hops=[hop],
                                                                          product=b)])],
                          by_country=[CountryStake(country="USA", stake=b, foreign=False,
                                                   owners=["firm:a"])],
                          foreign_share=b)
    assert _compare(answer, monkeypatch)
    # a NaN where graphql-core refuses it: the walk gives way
    bad = answer.model_copy(update={"foreign_share": Bounds.model_construct(
        low=float("nan"), high=0.5, exact=False)})
    assert not _compare(bad, monkeypatch)


def test_arguments_are_fresh_per_request() -> None:
    plan = compile_question(SCHEMA, '{ whatIf(remove: ["TWN", "KOR"], asOf: "2025-06-01") '
                                     "{ removed { id } } }", WIDE)
    assert plan is not None and plan.literal is not None
    first, second = plan.bind(), plan.bind()
    assert first == second
    assert first["remove"] == ["TWN", "KOR"] and first["as_of"] == dt.date(2025, 6, 1)
    first["remove"].append("USA")
    assert plan.bind()["remove"] == ["TWN", "KOR"]
    assert first["remove"] is not second["remove"]
