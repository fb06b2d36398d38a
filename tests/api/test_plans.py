"""The plan cache compiles each query text once, remembers "not compilable" too, keeps at
most ``size`` texts (least recently used out first), and compiles nothing when off."""

from __future__ import annotations

from api.graphql.plans import PlanCache


def test_compiles_once_per_text_and_evicts_the_least_recently_used() -> None:
    calls: list[str] = []

    def compile_plan(query: str) -> str | None:
        calls.append(query)
        return None if query.startswith("no") else query.upper()

    cache = PlanCache(compile_plan, size=2)
    assert cache.plan("a") == "A" and cache.plan("a") == "A"
    assert cache.plan("no") is None and cache.plan("no") is None
    assert calls == ["a", "no"]
    cache.plan("a")          # "a" is now the most recent
    cache.plan("b")          # evicts "no"
    cache.plan("no")
    assert calls == ["a", "no", "b", "no"]
    cache.plan("b")          # still kept ("a" went out when "no" came back)
    cache.plan("a")
    assert calls == ["a", "no", "b", "no", "a"]


def test_disabled_compiles_nothing() -> None:
    calls: list[str] = []
    cache = PlanCache(lambda q: calls.append(q) or q, size=4)
    cache.enabled = False
    assert cache.plan("a") is None and calls == []
