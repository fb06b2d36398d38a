"""Does this item need a US export license to reach this party? (DESIGN.md §9)

``license(graph, item, to, scenario, as_of)`` applies every rule of the scenario in force on
``as_of`` (queries/policy_rules.py) and explains itself:

1. item rules give the item its classes (3A090.a, h20-class, 4E091, ...): a threshold
   compared ("tpp 15,832 >= 4,800"), a chip named in the rule, or a property the graph
   lacks (the rule is then *undetermined*, never silently "not applied");
2. destination rules match the destination country (a Country itself, a data center's
   location, a firm's headquarters) by name, EAR group (as of the day) or scenario tier;
3. end-user rules match the party (a firm, or a data center's operators): a listing, a
   headquarters or controlling parent in the named countries / groups, or the Affiliates
   rule — the aggregate effective stake of listed owners (queries/stakes.py, unknown shares
   as bounds; paths through another listed owner are not counted twice) compared with the
   threshold; a bound straddling it leaves the rule undetermined;
4. rules superseded by an applying rule (``supersedes``) drop out, and the strictest
   remaining outcome is the answer (no license < license exception < license required
   with presumption of approval < case by case < presumption of denial).

``required`` is true when the answer is a license requirement, false when no rule requires
one, and null when a rule that could require one cannot be decided from the graph.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.dated import value_as_of
from graph.db import Graph, cypher
from graph.errors import BadArgument, NotFound
from queries.common import as_of_date, lookup, primary_label
from queries.countries import CountryTable, country_groups, country_table
from queries.models import (
    Bounds,
    EntityRef,
    LicenseResult,
    LicenseView,
    OwnershipChain,
    RuleFinding,
)
from queries.policy_rules import RANK, Condition, Rule, fmt
from queries.scenarios import Scenario, load_scenario, tiers_of
from queries.stakes import bounds, stakes

ITEM_KINDS = {"Chip": "chip", "Model": "model"}
PARTY_LABELS = ("Country", "Firm", "DataCenter")


# -- facts --------------------------------------------------------------------------------

@dataclass
class EndUser:
    id: str
    name: str
    country: str | None
    lists: list[dict[str, Any]]
    parents: list[dict[str, Any]]
    #: per control list id: (low, high, chains) of the aggregate stake listed owners hold
    listed_stakes: dict[str, tuple[float, float, list[OwnershipChain]]] = field(
        default_factory=dict)


@dataclass
class Party:
    id: str
    name: str
    label: str
    country: str | None
    users: list[EndUser]


def _day(v: Any) -> dt.date | None:
    if v is None:
        return None
    if hasattr(v, "to_native"):
        v = v.to_native()
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


# -- rule evaluation (pure: the differential test compares it with its own evaluator) -----

def compare(cond: Condition, value: Any) -> bool:
    if cond.op == "eq":
        return bool(value == cond.value)
    v, t = float(value), float(cond.value)
    return {"gte": v >= t, "gt": v > t, "lte": v <= t, "lt": v < t}[cond.op]


def item_finding(rule: Rule, item_id: str, props: dict[str, Any]) -> tuple[str, list[str]]:
    """('applied' | 'not_applied' | 'undetermined', why) for one item rule in force."""
    if item_id in rule.exclude_items:
        return "not_applied", [f"{item_id} is excluded by name from {rule.item_class}"]
    if item_id in rule.items:
        return "applied", [f"{item_id} is named in the rule ({rule.item_class})"]
    if not rule.any_of:
        return "not_applied", [f"{item_id} is not among the items the rule names"]
    why, missing, matched = [], [], False
    for clause in rule.any_of:
        parts, state = [], "true"
        for cond in clause:
            value = props.get(cond.prop)
            if value is None:
                parts.append(f"{cond.prop} unknown (needs {OPS_TEXT[cond.op]} "
                             f"{fmt(cond.value)})")
                missing.append(cond.prop)
                state = "false" if state == "false" else "unknown"
                continue
            ok = compare(cond, value)
            sign = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<", "eq": "=="}[cond.op]
            neg = {"gte": "<", "gt": "<=", "lte": ">", "lt": ">=", "eq": "!="}[cond.op]
            parts.append(f"{_prop_label(cond.prop)} {fmt(value)} {sign if ok else neg} "
                         f"{fmt(cond.value)}")
            if not ok:
                state = "false"
        why.append(" and ".join(parts))
        if state == "true":
            matched = True
            why = [why[-1]]
            break
    if matched:
        return "applied", why
    if missing and any(_clause_open(c, props) for c in rule.any_of):
        return "undetermined", why + ["missing in the graph: " + ", ".join(sorted(set(missing)))]
    return "not_applied", why


OPS_TEXT = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<", "eq": "=="}


def _prop_label(prop: str) -> str:
    return {"tpp": "TPP", "performance_density": "performance density",
            "memory_bandwidth_gbs": "memory bandwidth (GB/s)",
            "training_compute_flop": "training compute (FLOP)"}.get(prop, prop)


def _clause_open(clause: tuple[Condition, ...], props: dict[str, Any]) -> bool:
    """True when no known value of the clause fails (an unknown could still make it true)."""
    return all(props.get(c.prop) is None or compare(c, props[c.prop]) for c in clause)


def policy_text(policy: str | None, review: str | None, exception: str | None) -> str:
    if policy == "no_license":
        return "no license required"
    if policy == "license_exception":
        return f"license exception {exception}"
    if review:
        return "license required: " + review.replace("_", " ")
    return "license required (review policy not stated)"


def in_scope(rule: Rule, country: str | None, groups: list[str], tier: str | None) -> bool:
    if country is None:
        return False
    if country in rule.except_countries:
        return False
    return (rule.everywhere or country in rule.countries or bool(set(groups) & rule.groups)
            or (tier is not None and tier in rule.tiers))


def _finding(rule: Rule, status: str, why: list[str], **extra: Any) -> RuleFinding:
    return RuleFinding(
        rule=rule.id, name=rule.name, kind=rule.kind, status=status, why=why,
        outcome=(policy_text(rule.policy, rule.review, rule.exception)
                 if rule.kind in ("destination", "end_user") else None),
        item_class=rule.item_class, basis=rule.basis, confidence=rule.confidence,
        note=rule.note or None, sources=[dict(s) for s in rule.sources], **rule.dates(),
        **extra)


def end_user_finding(rule: Rule, user: EndUser, groups: Callable[[str | None], list[str]]
                     ) -> tuple[str, list[str], list[OwnershipChain]]:
    """How one end-user rule meets one end user: applied / not_applied / undetermined."""
    why: list[str] = []
    listed = [x for x in user.lists if x["id"] in rule.lists]
    if listed:
        for x in listed:
            since = f" since {_day(x.get('since'))}" if x.get("since") else ""
            why.append(f"{user.id} is listed on {x['id']}{since}"
                       + (f" ({x['reason']})" if x.get("reason") else ""))
        return "applied", why, []
    hq = set(rule.hq_countries)
    hq_groups = set(rule.hq_groups)
    if hq or hq_groups:
        if user.country and (user.country in hq or set(groups(user.country)) & hq_groups):
            return "applied", [f"{user.id} is headquartered in {user.country}"
                               + _group_note(user.country, groups, hq_groups)], []
        for parent in user.parents:
            c = parent.get("country")
            if c and (c in hq or set(groups(c)) & hq_groups):
                chain = " -> ".join(f"{h['from']} ({_share(h)})" for h in parent["chain"])
                return "applied", [f"ultimate parent {parent['id']} is headquartered in {c}"
                                   + _group_note(c, groups, hq_groups)
                                   + f": {chain} -> {user.id}"], []
        why.append(f"{user.id} headquartered in {user.country or 'unknown'}; no controlling "
                   "parent headquartered in " + ", ".join(sorted(hq | hq_groups)))
    if rule.affiliates_of and rule.threshold is not None:
        lo = hi = 0.0
        chains: list[OwnershipChain] = []
        for lid in sorted(rule.affiliates_of):
            llo, lhi, lch = user.listed_stakes.get(lid, (0.0, 0.0, []))
            lo, hi = lo + llo, hi + lhi
            chains.extend(lch)
        lo, hi = min(lo, 1.0), min(hi, 1.0)
        span = f"{lo:.2%}" if lo == hi else f"{lo:.2%} .. {hi:.2%}"
        text = (f"listed owners hold {span} of {user.id} in aggregate "
                f"(threshold {rule.threshold:.0%})")
        if lo >= rule.threshold - 1e-12:
            return "applied", [text + ": covered"], chains
        if hi < rule.threshold - 1e-12:
            return "not_applied", why + [text + ": not covered"], chains
        return "undetermined", why + [text + ": an unknown share decides (the bound "
                                      "straddles the threshold)"], chains
    if rule.lists and not listed:
        why.append(f"{user.id} is on none of " + ", ".join(sorted(rule.lists)))
    return "not_applied", why, []


def _group_note(country: str, groups: Callable[[str | None], list[str]],
                wanted: set[str]) -> str:
    hit = sorted(set(groups(country)) & wanted)
    return f" (country group {', '.join(hit)})" if hit else ""


def _share(hop: dict[str, Any]) -> str:
    s = hop.get("share")
    return f"{float(s):.0%}" if s is not None else (hop.get("kind") or "share unknown")


@dataclass
class Evaluation:
    required: bool | None
    policy: str
    code: dict[str, Any]
    classes: list[str]
    applied: list[RuleFinding]
    not_applied: list[RuleFinding]
    not_in_force: list[RuleFinding]
    undetermined: list[RuleFinding]


def evaluate(scen: Scenario, item_id: str, item_kind: str, props: dict[str, Any],
             party: Party, day: dt.date, groups: Callable[[str | None], list[str]],
             with_end_users: bool = True) -> Evaluation:
    """Apply the scenario's rules to one item and one party on one day (no graph access)."""
    applied: list[RuleFinding] = []
    not_applied: list[RuleFinding] = []
    not_in_force: list[RuleFinding] = []
    undetermined: list[RuleFinding] = []
    item_rules = [r for r in scen.rules.of_kind("item") if r.applies_to == item_kind]
    if not item_rules:
        src = scen.path or scen.id
        raise BadArgument(f"scenario {scen.id!r} ({src}) has no item rule for "
                          f"{item_kind}s: it cannot say whether {item_id} needs a license",
                          hint="add an item rule with applies_to: " + item_kind
                               + " (format: data/README.md, 'Scenario rules')")
    classes: set[str] = set()
    open_classes: set[str] = set()
    kind_classes = {r.item_class for r in item_rules}
    for rule in item_rules:
        ok, dates = rule.in_force(day)
        if not ok:
            not_in_force.append(_finding(rule, "not_in_force", [dates]))
            continue
        status, reasons = item_finding(rule, item_id, props)
        f = _finding(rule, status, reasons)
        {"applied": applied, "not_applied": not_applied, "undetermined": undetermined}[
            status].append(f)
        if status == "applied":
            classes.add(str(rule.item_class))
        elif status == "undetermined":
            open_classes.add(str(rule.item_class))
    country = party.country
    cgroups = groups(country)
    tier = scen.tier(country, cgroups) if country else None
    candidates: list[tuple[Rule, RuleFinding]] = []
    maybe: list[tuple[Rule, RuleFinding]] = []
    for rule in scen.rules.rules:
        if rule.kind not in ("destination", "end_user") or not rule.item_classes & kind_classes:
            continue
        ok, dates = rule.in_force(day)
        if not ok:
            not_in_force.append(_finding(rule, "not_in_force", [dates]))
            continue
        why: list[str]
        chains: list[OwnershipChain]
        hit = rule.item_classes & classes
        could = rule.item_classes & open_classes
        if not hit and not could:
            not_applied.append(_finding(rule, "not_applied", [
                f"{item_id} is not in " + ", ".join(sorted(rule.item_classes))]))
            continue
        if rule.kind == "destination":
            if in_scope(rule, country, cgroups, tier):
                where = [f"destination {country}"]
                if country in rule.countries:
                    where.append("named in the rule")
                hit_groups = sorted(set(cgroups) & rule.groups)
                if hit_groups:
                    where.append("in country group " + ", ".join(hit_groups))
                if tier in rule.tiers:
                    where.append(f"tier {tier} under {scen.id}")
                if rule.everywhere:
                    where.append("every destination")
                why = [", ".join(where)]
                status, chains = "applied", []
            else:
                status, chains = "not_applied", []
                why = [f"destination {country or 'unknown'} (groups "
                       f"{', '.join(cgroups) or 'none'}, tier {tier or 'unknown'}) is "
                       "outside the rule's countries"]
        else:
            if not with_end_users or not party.users:
                not_applied.append(_finding(rule, "not_applied", [
                    "no end user: the party is a country" if not party.users
                    else "end users not evaluated"]))
                continue
            results = [end_user_finding(rule, u, groups) for u in party.users]
            statuses = [r[0] for r in results]
            why = [w for r in results for w in r[1]]
            chains = [c for r in results for c in r[2]]
            status = ("applied" if "applied" in statuses else
                      "undetermined" if "undetermined" in statuses else "not_applied")
        if status == "applied" and not hit:
            status = "undetermined"
            why = why + ["the item may be in " + ", ".join(sorted(could))
                         + " (a property is missing)"]
        f = _finding(rule, status, why, ownership=chains or None)
        if status == "applied":
            candidates.append((rule, f))
        elif status == "undetermined":
            maybe.append((rule, f))
        else:
            not_applied.append(f)
    superseded = {sid for rule, _ in candidates for sid in rule.supersedes}
    final: list[tuple[Rule, RuleFinding]] = []
    for rule, f in candidates:
        if rule.id in superseded:
            by = [r.id for r, _ in candidates if rule.id in r.supersedes]
            f.status = "superseded"
            f.why = f.why + ["superseded by " + ", ".join(by)]
            not_applied.append(f)
        else:
            final.append((rule, f))
            applied.append(f)
    undetermined.extend(f for _, f in maybe)
    if final:
        rule = max((r for r, _ in final), key=_rank)
        code = {"policy": rule.policy, "review": rule.review, "exception": rule.exception}
        text = policy_text(rule.policy, rule.review, rule.exception)
        required: bool | None = rule.policy == "license_required"
        rank = _rank(rule)
        if any(_rank(r) > rank for r, _ in maybe):
            required = True if required else None
            text += "; a stricter rule is undetermined (see undetermined)"
    elif maybe or (open_classes and not classes):
        code = {"policy": None, "review": None, "exception": None}
        text, required = "undetermined: a rule that may apply cannot be decided from the " \
                         "graph (see undetermined)", None
    else:
        code = {"policy": "no_license", "review": None, "exception": None}
        text, required = "no license required", False
    return Evaluation(required, text, code, sorted(classes), applied, not_applied,
                      not_in_force, undetermined)


def _rank(rule: Rule) -> float:
    if rule.policy == "license_required":
        return RANK[("license_required", rule.review)]
    return RANK[(rule.policy or "no_license", None)]


# -- the question ---------------------------------------------------------------------------

def _listed_stakes(graph: Graph, user: EndUser, lists: set[str], day: dt.date) -> None:
    """Aggregate stake of listed owners in ``user``, per list, with the chains behind it.

    Effective stakes come from queries/stakes.py (products along chains, unknown shares as
    bounds); a path is counted for the first listed owner on it only (a listed owner's
    stake held through another listed owner is that owner's, not counted twice)."""
    res = stakes(graph, user.id, as_of=day)
    ids = sorted({h.from_id for o in res.owners for p in o.paths for h in p.hops})
    if not ids:
        return
    rows = graph.read(cypher(__file__, "license_listed"),
                      {"ids": ids, "lists": sorted(lists), "as_of": day})
    listed = {r["id"]: set(r["lists"]) for r in rows}
    for lid in lists:
        lo = hi = 0.0
        chains: list[OwnershipChain] = []
        for owner in res.owners:
            if lid not in listed.get(owner.owner.id, set()):
                continue
            for path in owner.paths:
                inner = [h.from_id for h in path.hops[1:]]
                if any(lid in listed.get(i, set()) for i in inner):
                    continue
                lo, hi = lo + path.product.low, hi + path.product.high
                chains.append(OwnershipChain(owner=owner.owner, control_list=lid,
                                             share=path.product, hops=path.hops))
        if chains:
            user.listed_stakes[lid] = (lo, hi, chains)


def party_id(to: str) -> str:
    """The id a party is asked by: a three-letter code is a country (upper case)."""
    if not isinstance(to, str) or not to.strip():
        raise BadArgument("a party is required (--to)",
                          hint="a country (ISO3, e.g. CHN), a firm id or a data center id")
    text = to.strip()
    return text.upper() if len(text) == 3 and text.isalpha() else text


def read_parties(graph: Graph, ids: list[str], day: dt.date) -> dict[str, dict[str, Any]]:
    """The rows of the parties ``ids`` that exist (license_party.cypher), in one read."""
    rows = graph.read(cypher(__file__, "license_party"), {"ids": ids, "as_of": day})
    return {r["id"]: r for r in rows}


def party_of(graph: Graph, pid: str, row: dict[str, Any] | None, day: dt.date,
             affiliate_lists: set[str]) -> Party:
    """A party from its row (None: no such node, the look-up says why): its end users,
    and their listed owners' stakes when the Affiliates rule is in force."""
    if row is None:
        lookup(graph, pid, PARTY_LABELS, what="party")  # raises: unknown, or its kind
        raise NotFound(f"unknown party {pid!r}")
    label = primary_label(row["labels"])
    if label not in PARTY_LABELS:
        raise BadArgument(f"{row['id']!r} is a {label}, expected a Country, Firm or "
                          "DataCenter", hint="pass the party the item would reach")
    users = [EndUser(id=u["id"], name=u["name"], country=u["country"], lists=u["lists"],
                     parents=u["parents"]) for u in row["users"]]
    if affiliate_lists:
        for u in users:
            _listed_stakes(graph, u, affiliate_lists, day)
    return Party(id=row["id"], name=row["name"], label=label, country=row["country"],
                 users=users)


def load_party(graph: Graph, to: str, day: dt.date, affiliate_lists: set[str]) -> Party:
    pid = party_id(to)
    return party_of(graph, pid, read_parties(graph, [pid], day).get(pid), day,
                    affiliate_lists)


def load_item(graph: Graph, item: str, day: dt.date | None = None
              ) -> tuple[EntityRef, str, dict[str, Any]]:
    """The item, its kind and its properties (dated ones as of ``day``)."""
    if not isinstance(item, str) or not item.strip():
        raise BadArgument("an item is required (--item)",
                          hint="a chip id (chip:nvidia-h100-sxm) or a model id")
    rows = graph.read(cypher(__file__, "license_item"), {"ids": [item.strip()]})
    if not rows:
        lookup(graph, item.strip(), tuple(ITEM_KINDS), what="item")
    return item_of(rows[0], day or dt.date.today())


def item_of(row: dict[str, Any], day: dt.date) -> tuple[EntityRef, str, dict[str, Any]]:
    """An item row (license_item.cypher: id, name, labels, props, entries) as its ref, kind
    and properties (dated ones as of ``day``); BadArgument for a node of another kind."""
    label = primary_label(row["labels"])
    if label not in ITEM_KINDS:
        raise BadArgument(f"{row['id']!r} is a {label}: no export-control rule concerns "
                          "that kind of item", hint="pass a chip or a model id")
    props = dict(row["props"])
    for prop in {e["property"] for e in row["entries"]}:
        props[prop] = value_as_of([e for e in row["entries"] if e["property"] == prop], day)
    return EntityRef(id=row["id"], name=row["name"], label=label), ITEM_KINDS[label], props


def affiliate_lists(scen: Scenario, day: dt.date) -> set[str]:
    """The control lists whose listed owners the Affiliates rule (in force on ``day``)
    extends to their subsidiaries."""
    return {lid for r in scen.rules.of_kind("end_user") if r.in_force(day)[0]
            for lid in r.affiliates_of}


def decide(scen: Scenario, day: dt.date, item: tuple[EntityRef, str, dict[str, Any]],
           party: Party, groups: Callable[[list[str]], dict[str, list[str]]]
           ) -> LicenseResult:
    """The license answer for a loaded item and party; ``groups`` gives the EAR groups of
    the countries it is asked about (as of ``day``)."""
    ref, kind, props = item
    ids = [c for c in [party.country] + [u.country for u in party.users]
           + [p.get("country") for u in party.users for p in u.parents] if c]
    table = groups(ids) if ids else {}
    ev = evaluate(scen, ref.id, kind, props, party, day, lambda c: table.get(c or "", []))
    return LicenseResult(
        item=ref, to=EntityRef(id=party.id, name=party.name, label=party.label),
        scenario=scen.id, scenario_name=scen.name, as_of=day, destination=party.country,
        destination_groups=table.get(party.country or "", []),
        tier=scen.tier(party.country, table.get(party.country, [])) if party.country
        else None,
        end_users=[EntityRef(id=u.id, name=u.name, label="Firm") for u in party.users],
        item_classes=ev.classes, required=ev.required, policy=ev.policy,
        policy_code=ev.code, applied=ev.applied, undetermined=ev.undetermined,
        not_applied=ev.not_applied, not_in_force=ev.not_in_force)


def license(graph: Graph, item: str, to: str,
            scenario: str | Path | Scenario | None = "current",
            as_of: dt.date | str | None = None) -> LicenseResult:
    """Does ``item`` need a license to reach ``to`` under ``scenario`` on ``as_of``?"""
    day = as_of_date(as_of)
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario or "current")
    loaded = load_item(graph, item, day)
    party = load_party(graph, to, day, affiliate_lists(scen, day))
    return decide(scen, day, loaded, party, lambda ids: country_groups(graph, ids, day))


class LicenseCheck:
    """License views of many (item, party) pairs under one scenario and day, each pair
    evaluated once: the diversion and exposure questions annotate hops and members with
    it. A pair the rules cannot speak of (an unknown id, an item kind without rules) gets
    no view rather than one that reads "no license needed"."""

    def __init__(self, graph: Graph, scen: Scenario, day: dt.date) -> None:
        self.graph, self.scen, self.day = graph, scen, day
        self._views: dict[tuple[str, str], LicenseView | None] = {}
        # each item, party and country is read once per answer, however many pairs
        # share it (an exposure row asks every chip x every member)
        self._items: dict[str, tuple[EntityRef, str, dict[str, Any]]] = {}
        self._parties: dict[str, Party] = {}
        self._bad: dict[str, BadArgument | NotFound] = {}
        self._affiliates = affiliate_lists(scen, day)
        self._tiers: dict[str, str] | None = None
        self._table: CountryTable | None = None

    def countries(self) -> CountryTable:
        """The graph's country table (queries/countries.py), its version read once per
        answer: tiers and groups come from the same table."""
        if self._table is None:
            self._table = country_table(self.graph)
        return self._table

    def tiers(self) -> dict[str, str]:
        """The scenario's tier of every country (``country_tiers``), once per answer (an
        exposure row and each of its data centers' diversions share it)."""
        if self._tiers is None:
            self._tiers = tiers_of(self.countries(), self.scen)
        return self._tiers

    def _groups_of(self, ids: list[str]) -> dict[str, list[str]]:
        return self.countries().groups(ids, self.day)

    def prefetch(self, parties: Iterable[str]) -> None:
        """Read the parties an answer will ask about together, in one read (a view per
        party would read each alone); one that cannot be a party fails its views later,
        as a view of it alone would."""
        ids: dict[str, str] = {}
        for to in parties:
            if to in self._parties or to in self._bad:
                continue
            try:
                ids[to] = party_id(to)
            except BadArgument as exc:
                self._bad[to] = exc
        if not ids:
            return
        rows = read_parties(self.graph, sorted(set(ids.values())), self.day)
        for to, pid in ids.items():
            try:
                self._parties[to] = party_of(self.graph, pid, rows.get(pid), self.day,
                                             self._affiliates)
            except (BadArgument, NotFound) as exc:
                self._bad[to] = exc

    def prefetch_items(self, ids: Iterable[str]) -> None:
        """Read the items an answer will ask about together, in one read; one that is
        unknown or of another kind is left to its views, which fail as alone."""
        missing = sorted({i.strip() for i in ids if isinstance(i, str) and i.strip()}
                         - self._items.keys())
        if not missing:
            return
        for row in self.graph.read(cypher(__file__, "license_item"), {"ids": missing}):
            self.know_item(row)

    def know_item(self, row: dict[str, Any]) -> None:
        """An item the answer has read already (license_item.cypher's columns: the
        diversion query returns its origin so): no read of its own."""
        if primary_label(row["labels"]) in ITEM_KINDS:
            self._items[row["id"]] = item_of(row, self.day)

    def _decide(self, item: str, party: str) -> LicenseResult:
        if party in self._bad:
            raise self._bad[party]
        if item not in self._items:
            self._items[item] = load_item(self.graph, item, self.day)
        if party not in self._parties:
            self._parties[party] = load_party(self.graph, party, self.day, self._affiliates)
        return decide(self.scen, self.day, self._items[item], self._parties[party],
                      self._groups_of)

    def view(self, item: str, party: str, recorded: str | None = None,
             recorded_date: str | None = None) -> LicenseView | None:
        key = (item, party)
        if key not in self._views:
            try:
                res = self._decide(item, party)
                self._views[key] = LicenseView(
                    item=item, party=party, required=res.required, policy=res.policy,
                    rules=", ".join(f.rule for f in res.applied), at_risk=False)
            except (BadArgument, NotFound):
                self._views[key] = None
        base = self._views[key]
        if base is None:
            return None
        denial = base.policy.endswith("presumption of denial")
        at_risk = (base.required is not False or denial) and recorded != "granted"
        return base.model_copy(update={"recorded": recorded, "recorded_date": recorded_date,
                                       "at_risk": at_risk})


__all__ = ["Bounds", "bounds", "evaluate", "license", "policy_text"]
