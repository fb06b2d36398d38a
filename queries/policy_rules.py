"""Export-control rules as data: the ``rules:`` list of a scenario file (DESIGN.md §9).

A rule is one of four kinds (format in data/README.md, "Scenario rules"):

* ``item``: which items a control covers — chips by property thresholds (``tpp``,
  ``performance_density``, ``memory_bandwidth_gbs``) or by name, models by
  ``training_compute_flop`` and ``open_weights``. It names the item class it defines
  (``item_class``, e.g. ``3A090.a``).
* ``destination``: for item classes and a set of countries (named, EAR groups, scenario
  tiers, or everywhere): no license required, a license exception, or license required
  with a review policy.
* ``end_user``: the same outcomes for parties on control lists, parties headquartered in
  (or whose ultimate parent is headquartered in) named countries / groups, and the
  Affiliates rule (owned >= threshold in aggregate by listed parties).
* ``cap``: compute per country or tier (H100 equivalents), with a low-volume exception.

Every rule has its sources and effective dates: ``since``, ``until`` and
``suspensions`` (each ``{since, until}``), so a question as of a day sees the rules in
force that day. Parsing is strict: a malformed rule is a ``BadArgument`` naming the file,
the rule and the field, never a rule silently dropped (which would read as "no license
needed").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from graph.errors import BadArgument

KINDS = ("item", "destination", "end_user", "cap")
POLICIES = ("no_license", "license_exception", "license_required")
REVIEWS = ("presumption_of_approval", "case_by_case", "presumption_of_denial")
OPS = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<", "eq": "=="}
ITEM_KINDS = ("chip", "model")
#: properties an item rule may compare (their names in the graph)
ITEM_PROPERTIES = ("tpp", "performance_density", "memory_bandwidth_gbs",
                   "training_compute_flop", "open_weights")
CAP_UNITS = ("h100_equivalents",)
BASES = ("rule_text", "our_reading", "public_debate")

#: strictness of outcomes; the strictest applying rule decides (unless superseded)
RANK = {("no_license", None): 0, ("license_exception", None): 1,
        ("license_required", "presumption_of_approval"): 2,
        ("license_required", None): 2.5,
        ("license_required", "case_by_case"): 3,
        ("license_required", "presumption_of_denial"): 4}


@dataclass(frozen=True)
class Condition:
    prop: str
    op: str
    value: Any

    def text(self) -> str:
        return f"{self.prop} {OPS[self.op]} {fmt(self.value)}"


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    name: str
    since: dt.date | None = None
    until: dt.date | None = None
    suspensions: tuple[tuple[dt.date | None, dt.date | None, str], ...] = ()
    sources: tuple[dict[str, Any], ...] = ()
    confidence: str = "medium"
    basis: str = "rule_text"
    note: str = ""
    # item rules
    item_class: str | None = None
    applies_to: str | None = None
    any_of: tuple[tuple[Condition, ...], ...] = ()
    items: frozenset[str] = frozenset()
    exclude_items: frozenset[str] = frozenset()
    # destination / end-user / cap scope
    item_classes: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    tiers: frozenset[str] = frozenset()
    everywhere: bool = False
    except_countries: frozenset[str] = frozenset()
    policy: str | None = None
    review: str | None = None
    exception: str | None = None
    supersedes: frozenset[str] = frozenset()
    # end-user rules
    lists: frozenset[str] = frozenset()
    hq_countries: frozenset[str] = frozenset()
    hq_groups: frozenset[str] = frozenset()
    affiliates_of: frozenset[str] = frozenset()
    threshold: float | None = None
    # caps
    amount: float | None = None
    unit: str | None = None
    low_volume: float | None = None

    def in_force(self, day: dt.date) -> tuple[bool, str]:
        """Whether the rule is in force on ``day``, and why (dates) when it is not."""
        if self.since and day < self.since:
            return False, f"not yet in force: effective from {self.since}"
        if self.until and day > self.until:
            return False, f"no longer in force: ended {self.until}"
        for s, u, note in self.suspensions:
            if (s is None or s <= day) and (u is None or day <= u):
                span = f"{s or '...'} .. {u or 'open-ended'}"
                return False, f"suspended {span}" + (f" ({note})" if note else "")
        return True, ""

    def dates(self) -> dict[str, Any]:
        return {"since": self.since, "until": self.until,
                "suspensions": [{"since": s, "until": u, "note": n or None}
                                for s, u, n in self.suspensions]}


def fmt(value: Any) -> str:
    """Numbers as people read them in a rule: 15,832 / 5.92 / 1e+26."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        if abs(value) >= 1e9:
            return f"{value:.3g}"
        if float(value).is_integer():
            return f"{int(value):,}"
        return f"{value:,}"
    return str(value)


class _Reader:
    """Field access on one rule mapping with errors naming file, rule and field."""

    def __init__(self, raw: dict[str, Any], where: str, index: int) -> None:
        self.raw, self.where = raw, where
        rid = raw.get("id")
        self.label = f"rule {rid!r}" if isinstance(rid, str) else f"rule #{index + 1}"

    def fail(self, fieldname: str, expected: str) -> BadArgument:
        got = self.raw.get(fieldname)
        return BadArgument(f"{self.where}: {self.label}: field {fieldname!r} is {got!r}",
                           hint=f"expected {expected} (format: data/README.md, "
                                "'Scenario rules')")

    def text(self, key: str, required: bool = False) -> str | None:
        v = self.raw.get(key)
        if v is None:
            if required:
                raise self.fail(key, "text")
            return None
        if not isinstance(v, str) or not v.strip():
            raise self.fail(key, "text")
        return v.strip()

    def choice(self, key: str, options: tuple[str, ...], required: bool = False) -> str | None:
        v = self.text(key, required)
        if v is not None and v not in options:
            raise self.fail(key, "one of " + ", ".join(options))
        return v

    def codes(self, key: str) -> frozenset[str]:
        v = self.raw.get(key)
        if v is None:
            return frozenset()
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            raise self.fail(key, "a list of text")
        return frozenset(x.strip() for x in v)

    def date(self, key: str, raw: Any = None) -> dt.date | None:
        v = self.raw.get(key) if raw is None else raw
        if v is None:
            return None
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return v
        try:
            return dt.date.fromisoformat(str(v))
        except ValueError:
            raise self.fail(key, "a day as YYYY-MM-DD") from None

    def number(self, key: str, raw: Any = None) -> float | None:
        v = self.raw.get(key) if raw is None else raw
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(key, "a number")
        return float(v)


def _conditions(r: _Reader) -> tuple[tuple[Condition, ...], ...]:
    raw = r.raw.get("any")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise r.fail("any", "a list of condition maps, e.g. [{tpp: {gte: 4800}}]")
    out = []
    for clause in raw:
        if not isinstance(clause, dict) or not clause:
            raise r.fail("any", "a list of condition maps, e.g. [{tpp: {gte: 4800}}]")
        conds = []
        for prop, test in clause.items():
            if prop not in ITEM_PROPERTIES:
                raise r.fail("any", "properties among " + ", ".join(ITEM_PROPERTIES)
                             + f" (got {prop!r})")
            if not isinstance(test, dict) or len(test) != 1:
                raise r.fail("any", f"{prop}: one comparison such as {{gte: 4800}}")
            (op, value), = test.items()
            if op not in OPS:
                raise r.fail("any", f"{prop}: an operator among " + ", ".join(OPS))
            if prop == "open_weights":
                if op != "eq" or not isinstance(value, bool):
                    raise r.fail("any", "open_weights: {eq: true} or {eq: false}")
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                raise r.fail("any", f"{prop}: a number to compare with")
            conds.append(Condition(prop, op, value))
        out.append(tuple(conds))
    return tuple(out)


def parse_rule(raw: Any, where: str, index: int) -> Rule:
    """One rule mapping, checked; errors name the file, the rule and the field."""
    if not isinstance(raw, dict):
        raise BadArgument(f"{where}: rule #{index + 1} must be a mapping",
                          hint="format: data/README.md, 'Scenario rules'")
    r = _Reader(raw, where, index)
    rid = r.text("id", required=True)
    kind = r.choice("kind", KINDS, required=True)
    assert rid is not None and kind is not None
    sources = raw.get("sources")
    if not isinstance(sources, list) or not sources or \
            not all(isinstance(s, dict) and s.get("title") for s in sources):
        raise r.fail("sources", "a non-empty list of {title, publisher, published, "
                                "citation, url} maps (every rule is sourced)")
    susp = []
    for s in raw.get("suspensions") or []:
        if not isinstance(s, dict) or "since" not in s:
            raise r.fail("suspensions", "a list of {since, until, note} maps")
        susp.append((r.date("suspensions", s.get("since")),
                     r.date("suspensions", s.get("until")), str(s.get("note") or "")))
    common: dict[str, Any] = dict(
        id=rid, kind=kind, name=r.text("name") or rid, since=r.date("since"),
        until=r.date("until"), suspensions=tuple(susp), sources=tuple(sources),
        confidence=r.choice("confidence", ("high", "medium", "low")) or "medium",
        basis=r.choice("basis", BASES) or "rule_text", note=r.text("note") or "",
        supersedes=r.codes("supersedes"))
    if common["since"] and common["until"] and common["until"] < common["since"] \
            and raw.get("never_in_force") is not True:
        raise r.fail("until", f"a day on or after since ({common['since']}), or "
                              "never_in_force: true")
    if kind == "item":
        applies = r.choice("applies_to", ITEM_KINDS, required=True)
        item_class = r.text("item_class", required=True)
        any_of = _conditions(r)
        items = r.codes("items")
        if not any_of and not items:
            raise r.fail("any", "threshold conditions ('any') or named 'items' (or both)")
        return Rule(**common, applies_to=applies, item_class=item_class, any_of=any_of,
                    items=items, exclude_items=r.codes("exclude_items"))
    scope: dict[str, Any] = dict(
        item_classes=r.codes("item_classes"), countries=r.codes("countries"),
        groups=r.codes("groups"), tiers=r.codes("tiers"),
        everywhere=bool(raw.get("everywhere", False)),
        except_countries=r.codes("except_countries"))
    if not scope["item_classes"]:
        raise r.fail("item_classes", "a list of the item classes the rule concerns")
    if kind == "cap":
        unit = r.choice("unit", CAP_UNITS, required=True)
        if not (scope["countries"] or scope["groups"] or scope["tiers"] or scope["everywhere"]):
            raise r.fail("countries", "the countries, groups or tiers the cap applies to")
        amount = r.number("amount")
        if amount is None or amount <= 0:
            raise r.fail("amount", "a positive number from the rule's text")
        return Rule(**common, **scope, amount=amount, unit=unit,
                    low_volume=r.number("low_volume"))
    policy = r.choice("policy", POLICIES, required=True)
    review = r.choice("review", REVIEWS)
    exception = r.text("exception")
    if policy == "license_exception" and not exception:
        raise r.fail("exception", "the name of the license exception (e.g. AIA)")
    if policy != "license_required" and review:
        raise r.fail("review", "no review policy unless policy is license_required")
    if kind == "destination":
        if not (scope["countries"] or scope["groups"] or scope["tiers"] or scope["everywhere"]):
            raise r.fail("countries", "the countries, groups or tiers (or everywhere: true)")
        return Rule(**common, **scope, policy=policy, review=review, exception=exception)
    lists, hq_c, hq_g = r.codes("lists"), r.codes("hq_countries"), r.codes("hq_groups")
    affiliates = r.codes("affiliates_of")
    threshold = r.number("threshold")
    if affiliates and (threshold is None or not 0 < threshold <= 1):
        raise r.fail("threshold", "the aggregate ownership share (0..1, e.g. 0.5) that "
                                  "makes an affiliate")
    if not (lists or hq_c or hq_g or affiliates):
        raise r.fail("lists", "control lists, hq_countries / hq_groups, or affiliates_of")
    return Rule(**common, **scope, policy=policy, review=review, exception=exception,
                lists=lists, hq_countries=hq_c, hq_groups=hq_g, affiliates_of=affiliates,
                threshold=threshold)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    def of_kind(self, kind: str) -> list[Rule]:
        return [r for r in self.rules if r.kind == kind]


def parse_rules(raw: Any, where: str) -> RuleSet:
    """The ``rules`` list of a scenario file; ids unique, supersedes naming known rules."""
    if raw is None:
        return RuleSet()
    if not isinstance(raw, list):
        raise BadArgument(f"{where}: field 'rules' must be a list of rules",
                          hint="format: data/README.md, 'Scenario rules'")
    rules = [parse_rule(x, where, i) for i, x in enumerate(raw)]
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise BadArgument(f"{where}: rule {rule.id!r} is defined twice",
                              hint="rule ids are unique within a scenario")
        seen.add(rule.id)
    classes = {r.item_class for r in rules if r.kind == "item"}
    for rule in rules:
        unknown = rule.supersedes - seen
        if unknown:
            raise BadArgument(f"{where}: rule {rule.id!r}: field 'supersedes' names unknown "
                              f"rule(s) {sorted(unknown)}", hint="name rule ids of this file")
        missing = rule.item_classes - classes
        if rule.kind != "item" and missing == rule.item_classes:
            raise BadArgument(f"{where}: rule {rule.id!r}: field 'item_classes' names "
                              f"{sorted(missing)}, which no item rule defines",
                              hint="defined item classes: " + ", ".join(sorted(
                                  c for c in classes if c)))
    return RuleSet(tuple(rules))
