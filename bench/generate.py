"""Synthetic stackgraph graphs of any size, streamed, deterministic by seed.

Benchmarks (ingest, queries, API) need graphs of 10^4 to 10^6 nodes with the shape of
the real one: ~250 countries with their US EAR country groups, firms with a headquarters
and ownership chains (shares summing to at most 1 per owned firm, some unknown, a few
cycles), chips designed / fabricated / packaged, supply-chain inputs with supplier shares
summing to at most 100 percent, an acyclic GOES_INTO / TYPE_OF hierarchy, data centers,
shipments, remote access, consortia and a control list — about five relationships per
node, every relationship with ``sources`` and ``confidence``.

The graph is never held in memory. Node ids are derived from (label, index), so a
relationship only needs the number of nodes of each label to draw an endpoint; the few
facts that must agree between passes (a firm's kind, its headquarters) are pure functions
of the index (a splitmix64 hash of seed and index), not stored. Duplicates are avoided per
anchor node (the loader MERGEs, so a duplicate would silently collapse).

``synthetic_graph(n, seed)`` returns lazy ``(nodes, rels)`` iterators of ``NodeRecord`` /
``RelRecord``, the shape ``ingest.loader.load_records`` takes; relationships come grouped by
type. ``generate(n, seed)`` chains them, nodes first.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from itertools import chain
from typing import Any

import pycountry

from graph.errors import BadArgument
from ingest.records import NodeRecord, RelRecord

#: Smallest graph the generator makes: every firm kind needs a few firms.
MIN_NODES = 500

# --- countries ------------------------------------------------------------------------
#: Countries that matter most in the AI stack, listed first (so small graphs have them)
#: with their weight as a headquarters / data-center location.
MAJOR_COUNTRIES: dict[str, float] = {
    "USA": 30, "CHN": 14, "TWN": 4, "JPN": 6, "KOR": 4, "NLD": 2, "DEU": 3, "GBR": 3,
    "FRA": 2, "ISR": 2, "IND": 3, "SGP": 2, "ARE": 2, "SAU": 1.5, "RUS": 1.5, "CAN": 2,
    "IRL": 1, "SWE": 1, "CHE": 1, "MYS": 1.5, "VNM": 1, "IRN": 0.5, "PRK": 0.2, "BLR": 0.3,
    "HKG": 1.5, "AUS": 1, "BRA": 1, "MEX": 0.8, "QAT": 0.5, "VEN": 0.2,
}
#: Weight of every other country.
MINOR_WEIGHT = 0.1
#: US EAR Country Group A:5 (close allies).
A5 = frozenset(["ARG", "AUS", "AUT", "BEL", "BGR", "CAN", "HRV", "CZE", "DNK", "EST", "FIN",
    "FRA", "DEU", "GRC", "HUN", "ISL", "IND", "IRL", "ITA", "JPN", "LVA", "LTU", "LUX", "NLD",
    "NZL", "NOR", "POL", "PRT", "ROU", "SVK", "SVN", "KOR", "ESP", "SWE", "CHE", "TUR", "GBR"])
#: US EAR Country Group D:5 (US arms embargo).
D5 = frozenset(["AFG", "BLR", "MMR", "KHM", "CAF", "CHN", "COD", "CUB", "CYP", "ERI", "HTI",
    "IRN", "IRQ", "PRK", "LBN", "LBY", "NIC", "RUS", "SOM", "SSD", "SDN", "SYR", "VEN", "ZWE",
    "HKG", "MAC"])
#: Of D:5, also D:1 (national security).
D1 = frozenset(["BLR", "CHN", "IRN", "IRQ", "PRK", "RUS", "VEN", "MAC", "HKG", "KHM", "MMR"])

# --- firms ----------------------------------------------------------------------------
#: Firm kinds with their share of all firms. Firms are laid out in contiguous blocks by
#: kind, so "a random foundry" is a random index in the foundry block.
FIRM_KINDS: list[tuple[str, float]] = [
    ("chip_designer", 0.05), ("foundry", 0.02), ("memory", 0.01), ("osat", 0.02),
    ("equipment", 0.06), ("materials", 0.06), ("eda", 0.01), ("server_oem", 0.04),
    ("distributor", 0.10), ("cloud", 0.06), ("ai_lab", 0.12), ("datacenter_operator", 0.08),
    ("investor", 0.29), ("sovereign_fund", 0.04), ("state_entity", 0.04),
]

#: Share of the nodes (after countries and control lists) given to each label.
LABEL_WEIGHTS: list[tuple[str, float]] = [
    ("Source", 0.03), ("Consortium", 0.02), ("Input", 0.15), ("Chip", 0.08),
    ("Model", 0.14), ("DataCenter", 0.12), ("Value", 0.02), ("Firm", 0.44),
]
#: Id prefix of each generated label (countries use their ISO alpha-3 code).
PREFIX = {"Firm": "firm:syn-", "Chip": "chip:syn-", "Model": "model:syn-",
          "DataCenter": "dc:syn-", "Consortium": "consortium:syn-", "Input": "input:syn-",
          "ControlList": "list:syn-", "Source": "src:syn-"}
#: Status history of the first data centers (two Value entries each, DESIGN section 4):
#: under construction from the first day, operational from the second.
VALUE_STATUSES = ("under_construction", "operational")


def value_entry(i: int) -> tuple[int, str, dt.date]:
    """Value node ``i``: (its data center's index, its status, its first day). Derived
    from ``i`` alone, so nodes and relationships agree without sharing a draw."""
    dc, k = divmod(i, 2)
    start = dt.date(2018, 1, 1) + dt.timedelta(days=(dc * 37) % 1500)
    return dc, VALUE_STATUSES[k], start + dt.timedelta(days=400 * k)


def value_node_id(i: int) -> str:
    dc, _, since = value_entry(i)
    return f"value:{PREFIX['DataCenter']}{dc}:status:{since.isoformat()}"
CONTROL_LISTS = [("Entity List", "US BIS"), ("Military End-User List", "US BIS"),
                 ("Unverified List", "US BIS"), ("SDN List", "US OFAC"),
                 ("Consolidated List", "UK OFSI")]

CONFIDENCE = (("high", 0.55), ("medium", 0.35), ("low", 0.10))
_M64 = (1 << 64) - 1


def _mix(x: int) -> int:
    """splitmix64 finaliser: a cheap, well-spread hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


@dataclass(frozen=True)
class Countries:
    """The countries in play: majors first, then the rest of ISO 3166-1 by code."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    iso2: tuple[str, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def take(cls, count: int) -> Countries:
        by_code = {c.alpha_3: c for c in pycountry.countries}
        order = [c for c in MAJOR_COUNTRIES if c in by_code]
        order += sorted(c for c in by_code if c not in MAJOR_COUNTRIES)
        order = order[:count]
        total, cum = 0.0, []
        for code in order:
            total += MAJOR_COUNTRIES.get(code, MINOR_WEIGHT)
            cum.append(total)
        return cls(tuple(order), tuple(by_code[c].name for c in order),
                   tuple(by_code[c].alpha_2 for c in order), tuple(x / total for x in cum))

    def weighted(self, u: float) -> int:
        """Index of the country a uniform ``u`` in [0, 1) falls on, by weight."""
        return min(bisect.bisect_right(self.cumulative, u), len(self.codes) - 1)

    @staticmethod
    def groups(code: str) -> list[str]:
        if code == "USA":
            return []
        out = ["A:5"] if code in A5 else ["B"] if code not in D5 else []
        if code in D1:
            out.append("D:1")
        if code in D5:
            out.append("D:5")
        return out


@dataclass(frozen=True)
class Plan:
    """How many nodes of each label, and the firm blocks by kind."""

    nodes: int
    seed: int
    counts: dict[str, int]
    countries: Countries
    firm_blocks: dict[str, tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def make(cls, nodes: int, seed: int = 0) -> Plan:
        if nodes < MIN_NODES:
            raise BadArgument(f"a synthetic graph needs at least {MIN_NODES} nodes, "
                              f"got {nodes}")
        n_countries = min(len(pycountry.countries), max(25, nodes // 40))
        n_lists = min(len(CONTROL_LISTS), 2 + nodes // 10_000)
        rest = nodes - n_countries - n_lists
        counts = {"Country": n_countries, "ControlList": n_lists}
        left = rest
        for label, weight in LABEL_WEIGHTS[:-1]:
            counts[label] = max(3, round(rest * weight))
            left -= counts[label]
        counts[LABEL_WEIGHTS[-1][0]] = left
        blocks, start = {}, 0
        firms = counts["Firm"]
        for i, (kind, share) in enumerate(FIRM_KINDS):
            size = max(2, round(firms * share))
            if i == len(FIRM_KINDS) - 1:
                size = firms - start
            blocks[kind] = (start, start + size)
            start += size
        if start != firms or any(b <= a for a, b in blocks.values()):
            raise BadArgument(f"{nodes} nodes are too few for every firm kind")
        return cls(nodes, seed, counts, Countries.take(n_countries), blocks)

    # -- ids and per-index facts -------------------------------------------------------
    def node_id(self, label: str, index: int) -> str:
        if label == "Country":
            return self.countries.codes[index]
        return f"{PREFIX[label]}{index}"

    def unit(self, salt: int, index: int) -> float:
        """A uniform number in [0, 1) that is a pure function of seed, salt and index."""
        return self.unit_fn(salt)(index)

    def unit_fn(self, salt: int) -> Callable[[int], float]:
        """``unit`` for one salt, as a function of the index alone: the hash of (seed,
        salt) is computed once instead of once per call (it is the same every time)."""
        key = _mix((self.seed << 8) ^ salt)

        def unit(index: int) -> float:
            return _mix(key ^ index) / 2.0**64
        return unit

    def country_fn(self, salt: int) -> Callable[[int], int]:
        """Index -> weighted country index, for one salt (``hq``, ``dc_country``).

        The same value as ``countries.weighted(unit(salt, index))``: ``bisect_right``
        bounded by the last index is ``min(bisect_right(...), last)``."""
        key = _mix((self.seed << 8) ^ salt)
        cumulative = self.countries.cumulative
        last = len(cumulative) - 1
        bisect_right = bisect.bisect_right

        def country(index: int) -> int:
            return bisect_right(cumulative, _mix(key ^ index) / 2.0**64, 0, last)
        return country

    def firm_kind(self, index: int) -> str:
        for kind, (a, b) in self.firm_blocks.items():
            if a <= index < b:
                return kind
        raise IndexError(index)

    @cached_property
    def _hq(self) -> Callable[[int], int]:
        return self.country_fn(1)

    def hq(self, firm: int) -> int:
        """Index of the headquarters country of a firm."""
        return self._hq(firm)

    @cached_property
    def _dc_country(self) -> Callable[[int], int]:
        return self.country_fn(2)

    def dc_country(self, dc: int) -> int:
        return self._dc_country(dc)

    def cycle_start(self, firm: int) -> bool:
        """Whether ``firm`` and ``firm + 1`` own each other (a deliberate OWNS 2-cycle).

        Only even offsets in the investor block start one, so cycles never overlap."""
        return firm in self.cycle_starts

    @cached_property
    def cycle_starts(self) -> frozenset[int]:
        """Every firm that starts an OWNS 2-cycle: about 1% of the investor block, so
        small to hold, and a set lookup per firm instead of a hash."""
        a, b = self.firm_blocks["investor"]
        unit = self.unit_fn(3)
        return frozenset(f for f in range(a, b - 1, 2) if unit(f) < 0.02)

    @cached_property
    def chip_kinds(self) -> tuple[str, ...]:
        return ("gpu", "gpu", "accelerator", "accelerator", "cpu", "hbm")


class Draw:
    """The sequential random draws of one pass, with the plan's helpers.

    The stream of ``rng.random()`` calls is the generator's contract: a graph is defined
    by seed and size only through it, so every helper here draws exactly as many numbers,
    in the same order, with the same float arithmetic, as the first version did. The
    speed comes from work moved out of the per-draw path (totals, block tables, bound
    methods, the ``Source`` ids), never from drawing differently."""

    def __init__(self, plan: Plan, stream: int) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed * 1_000_003 + stream)
        #: ``rng.random`` bound once: the hot loops call it millions of times.
        self.random = self.rng.random
        self.sources_n = plan.counts["Source"]

    def index(self, label: str) -> int:
        return int(self.random() * self.plan.counts[label])

    def firm_picker(self, *kinds: str) -> Callable[[], int]:
        """A function drawing a random firm of one of ``kinds`` (weighted by block size).

        The block table and its total are built once per call site, not per draw."""
        spans = tuple((a, b - a) for a, b in (self.plan.firm_blocks[k] for k in kinds))
        total = sum(size for _, size in spans)
        rnd = self.random

        def pick() -> int:
            r = int(rnd() * total)
            for a, size in spans:
                if r < size:
                    return a + r
                r -= size
            raise AssertionError("unreachable")  # pragma: no cover
        return pick

    def chooser(self, options: Sequence[tuple[str, float]]) -> Callable[[], str]:
        """A function drawing one of ``options`` by weight.

        The total is ``sum`` of the same weights in the same order (so the same float),
        computed once; the draw keeps the subtract-and-test form, because comparing with
        precomputed cumulative thresholds would round differently."""
        pairs = tuple(options)
        total = sum(w for _, w in pairs)
        last = pairs[-1][0]
        rnd = self.random

        def choose() -> str:
            r = rnd() * total
            for value, weight in pairs:
                r -= weight
                if r < 0:
                    return value
            return last
        return choose

    def date(self, first: int = 2012, last: int = 2025) -> dt.date:
        return dt.date.fromordinal(dt.date(first, 1, 1).toordinal() + int(
            self.random() * ((last - first + 1) * 365)))

    def provenance_filler(self) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """A function adding a relationship's provenance (``sources``, ``confidence``,
        sometimes ``since`` / ``until``) to its property dict, in place, and returning it.

        Filling the dict the relationship's own properties are already in saves building
        a second dict and merging the two. The ``Source`` ids are made once (there are
        few: 3% of the nodes); ``sorted`` of a one- or two-element set is written out;
        dates come from a table of consecutive days (``date + timedelta`` per draw was a
        large share of the time)."""
        rnd = self.random
        n = self.sources_n
        prefix = PREFIX["Source"]
        ids = [f"{prefix}{i}" for i in range(n)]
        total = sum(w for _, w in CONFIDENCE)
        # ``chooser(CONFIDENCE)`` written out (half the time of its loop): ``r < w`` is
        # exactly ``r - w < 0`` in floats, and ``r`` is reduced as the loop reduces it
        (high, w_high), (medium, w_medium), (low, w_low) = CONFIDENCE
        days = days_from_2012()

        def fill(props: dict[str, Any]) -> dict[str, Any]:
            if rnd() < 0.8:
                props["sources"] = [ids[int(rnd() * n)]]
            else:
                a, b = ids[int(rnd() * n)], ids[int(rnd() * n)]
                props["sources"] = [a] if a == b else [a, b] if a < b else [b, a]
            r = rnd() * total
            if r < w_high:
                props["confidence"] = high
            elif (r := r - w_high) < w_medium:
                props["confidence"] = medium
            elif r - w_medium < w_low:
                props["confidence"] = low
            else:  # only float rounding can get here, as ``chooser`` falls back to the last
                props["confidence"] = low
            if rnd() < 0.3:
                since = int(rnd() * _SINCE_DAYS)
                props["since"] = days[since]
                if rnd() < 0.3:
                    props["until"] = days[since + 30 + int(rnd() * 1500)]
            return props
        return fill

    def split(self, total: float, k: int) -> list[float]:
        """``k`` positive parts of ``total``, skewed (the first is usually the largest)."""
        rnd = self.random
        weights = sorted((rnd() ** 2 + 0.01 for _ in range(k)), reverse=True)
        s = sum(weights)
        return [total * w / s for w in weights]


#: Days a relationship's ``since`` is drawn from: 2012-01-01 and the 14 * 365 days after.
_SINCE_DAYS = 14 * 365


@cache
def days_from_2012() -> tuple[dt.date, ...]:
    """2012-01-01 and the days after it, far enough for every ``since`` and ``until``
    (``until`` is 30 to 1529 days after ``since``): ``days[i]`` is
    ``date(2012, 1, 1) + timedelta(days=i)``, a list index instead of date arithmetic."""
    first = dt.date(2012, 1, 1).toordinal()
    return tuple(dt.date.fromordinal(first + i) for i in range(_SINCE_DAYS + 30 + 1500))


# --- nodes ------------------------------------------------------------------------------

def iter_nodes(plan: Plan) -> Iterator[NodeRecord]:
    """Every node, label by label (sources first, so relationships can cite them)."""
    d = Draw(plan, 1)
    rnd = d.random
    prov = _node_provenance_filler(d)
    choose_publisher = d.chooser((("BIS", 1), ("ETO", 2), ("Epoch AI", 2), ("Press", 5)))
    for i in range(plan.counts["Source"]):
        yield NodeRecord("Source", plan.node_id("Source", i), {
            "name": f"Synthetic report {i}", "title": f"Synthetic report {i}",
            "publisher": choose_publisher(),
            "url": f"https://example.org/reports/{i}", "published": d.date(2015, 2026)})
    as_of = dt.date(2025, 1, 15)
    for code, name, iso2 in zip(plan.countries.codes, plan.countries.names,
                                plan.countries.iso2, strict=True):
        yield NodeRecord("Country", code, prov({
            "name": name, "iso3": code, "iso2": iso2,
            "bis_country_groups": Countries.groups(code), "bis_as_of": as_of}))
    for i in range(plan.counts["ControlList"]):
        title, authority = CONTROL_LISTS[i]
        yield NodeRecord("ControlList", plan.node_id("ControlList", i), prov({
            "name": title, "authority": authority}))
    firm = PREFIX["Firm"]
    n_kinds = len(FIRM_KINDS)
    # firms are laid out in contiguous blocks by kind, in order: walking the blocks
    # visits every index once, in order, without looking each one's kind up
    for own_kind, (start, stop) in plan.firm_blocks.items():
        for i in range(start, stop):
            kind = [own_kind]
            if rnd() < 0.1:
                kind.append(FIRM_KINDS[int(rnd() * n_kinds)][0])
            yield NodeRecord("Firm", f"{firm}{i}", prov({
                "name": f"Firm {i}", "aliases": [f"F{i}"], "kind": sorted(set(kind)),
                "website": f"https://firm{i}.example.com", "founded": 1950 + int(rnd() * 75)}))
    chip = PREFIX["Chip"]
    chip_kinds = plan.chip_kinds
    for i in range(plan.counts["Chip"]):
        chip_kind = chip_kinds[int(rnd() * len(chip_kinds))]
        node = (3.0, 4.0, 5.0, 7.0, 12.0, 16.0)[int(rnd() * 6)]
        tpp = round(500 + rnd() * 6000, 1)
        yield NodeRecord("Chip", f"{chip}{i}", prov({
            "name": f"Chip {i}", "kind": chip_kind, "process_node_nm": node, "tpp": tpp,
            "performance_density": round(tpp / (300 + rnd() * 600), 2),
            "eccn": "3A090.a" if tpp >= 4800 else "3A090.b" if tpp >= 1600 else "EAR99",
            "release_year": 2016 + int(rnd() * 10)}))
    model = PREFIX["Model"]
    choose_domain = d.chooser((("Language", 6), ("Vision", 2), ("Multimodal", 2)))
    for i in range(plan.counts["Model"]):
        yield NodeRecord("Model", f"{model}{i}", prov({
            "name": f"Model {i}", "release_date": d.date(2018, 2025),
            "open_weights": rnd() < 0.4, "parameters": float(10 ** (8 + rnd() * 4)),
            "training_compute_flop": float(10 ** (20 + rnd() * 6)),
            "domain": choose_domain()}))
    datacenter = PREFIX["DataCenter"]
    choose_status = d.chooser((("operational", 6), ("under_construction", 2),
                               ("planned", 2)))
    for i in range(plan.counts["DataCenter"]):
        yield NodeRecord("DataCenter", f"{datacenter}{i}", prov({
            "name": f"Data center {i}", "status": choose_status(),
            "power_mw": round(5 + rnd() ** 2 * 1500, 1),
            "h100_equivalents": float(int(rnd() ** 3 * 200_000)),
            "city": f"City {int(rnd() * 500)}"}))
    for i in range(plan.counts["Value"]):
        dc, status, since = value_entry(i)
        entry = {"name": f"Data center {dc} status since {since}", "property": "status",
                 "value": status, "since": since}
        if i % 2 == 0:
            entry["until"] = value_entry(i + 1)[2] - dt.timedelta(days=1)
        yield NodeRecord("Value", value_node_id(i), prov(entry))
    consortium = PREFIX["Consortium"]
    choose_consortium_kind = d.chooser((
        ("partnership", 3), ("joint_venture", 2), ("program", 2), ("export_package", 1),
        ("alliance", 1), ("investment_vehicle", 1)))
    for i in range(plan.counts["Consortium"]):
        yield NodeRecord("Consortium", f"{consortium}{i}", prov({
            "name": f"Consortium {i}", "kind": choose_consortium_kind(),
            "announced": d.date(2019, 2026)}))
    inp = PREFIX["Input"]
    choose_type = d.chooser((("tool", 4), ("material", 3), ("process", 2),
                             ("design_resource", 1)))
    choose_stage = d.chooser((("design", 1), ("fabrication", 4), ("assembly", 2)))
    for i in range(plan.counts["Input"]):
        yield NodeRecord("Input", f"{inp}{i}", prov({
            "name": f"Input {i}", "type": choose_type(), "stage": choose_stage()}))


def _node_provenance_filler(d: Draw) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function adding a node's provenance (one source, a confidence) to its property
    dict, drawn after the node's own properties. The ``Source`` id is an f-string, not a
    table: the nodes pass starts streaming before a table would pay off."""
    rnd = d.random
    n = d.sources_n
    prefix = PREFIX["Source"]
    choose_confidence = d.chooser(CONFIDENCE)

    def fill(props: dict[str, Any]) -> dict[str, Any]:
        props["sources"] = [f"{prefix}{int(rnd() * n)}"]
        props["confidence"] = choose_confidence()
        return props
    return fill


# --- relationships ----------------------------------------------------------------------

def _distinct(k: int, draw: Callable[[], Any]) -> list[Any]:
    """Up to ``k`` distinct values of ``draw()`` (a few tries, then gives up)."""
    if k == 1:  # the common case: the first draw is always kept
        return [draw()]
    out: list[Any] = []
    for _ in range(k * 3):
        v = draw()
        if v not in out:
            out.append(v)
            if len(out) == k:
                break
    return out


def _floor(x: float, digits: int) -> float:
    """Round down, so parts of a budget never add up past it."""
    scale = 10**digits
    return math.floor(x * scale) / scale


def _poisson(rng: random.Random, mean: float) -> int:
    """A small count around ``mean`` (geometric-ish tail, cheap)."""
    k, p = 0, rng.random()
    limit, term = 2.718281828459045 ** -mean, 1.0
    cum = term * limit
    while p > cum and k < 50:
        k += 1
        term *= mean / k
        cum += term * limit
    return k


def iter_rels(plan: Plan) -> Iterator[RelRecord]:
    """Every relationship, grouped by type.

    Written for speed (the ingest benchmark generates in the loader's process, so every
    microsecond here is charged to the load): ids are f-strings on prefixes held in
    locals, the draw helpers are prebuilt functions, and each relationship's property
    dict is built once, with the provenance filled into it (``prov``)."""
    d = Draw(plan, 2)
    rng = d.rng
    rnd = d.random
    prov = d.provenance_filler()
    rel = RelRecord
    c = plan.counts
    n_firms, n_chips, n_inputs = c["Firm"], c["Chip"], c["Input"]
    n_dcs, n_countries = c["DataCenter"], c["Country"]
    codes = plan.countries.codes
    hq = plan.country_fn(1)  # == plan.hq
    weighted_country = plan.countries.weighted
    FIRM, CHIP, MODEL, DC, INPUT, CONS, LIST = (  # noqa: N806 (id prefixes)
        PREFIX[x] for x in ("Firm", "Chip", "Model", "DataCenter", "Input", "Consortium",
                            "ControlList"))
    nid = plan.node_id

    # where firms and data centers are
    for i in range(n_firms):
        yield rel("HEADQUARTERED_IN", f"{FIRM}{i}", codes[hq(i)], prov({}))
    dc_country = plan.country_fn(2)  # == plan.dc_country
    for j in range(n_dcs):
        yield rel("LOCATED_IN", f"{DC}{j}", codes[dc_country(j)], prov({}))

    # ownership: per owned firm, shares summing to at most 1
    cycle_starts = plan.cycle_starts
    pick_holder = d.firm_picker("investor", "sovereign_fund", "state_entity")
    split = d.split
    for t in range(n_firms):
        owners: list[tuple[str, int]] = []
        if t in cycle_starts:
            owners.append(("Firm", t + 1))
        if t > 0 and t - 1 in cycle_starts:
            owners.append(("Firm", t - 1))
        if rnd() < 0.55:
            k = 1 + (rnd() < 0.45) + (rnd() < 0.3) + (rnd() < 0.15)
            for _ in range(k):
                r = rnd()
                if r < 0.45:
                    o = ("Firm", pick_holder())
                elif r < 0.88 and t > 0:
                    o = ("Firm", int(rnd() * t))
                elif r < 0.95:
                    o = ("Country", hq(t))
                else:
                    o = ("Firm", int(rnd() * n_firms))
                if o != ("Firm", t) and o not in owners:
                    owners.append(o)
        if not owners:
            continue
        budget = 0.2 + rnd() * 0.8
        owned = f"{FIRM}{t}"
        for (label, owner), share in zip(owners, split(budget, len(owners)), strict=True):
            props: dict[str, Any] = {}
            if rnd() >= 0.12:  # otherwise the share was not reported
                props["share"] = _floor(share, 4)
            props["kind"] = "control" if share >= 0.5 and rnd() < 0.5 else (
                "voting" if rnd() < 0.1 else "equity")
            yield rel("OWNS", nid(label, owner), owned, prov(props))

    # chips: designer, fabricator(s), packager
    pick_designer = d.firm_picker("chip_designer", "chip_designer", "cloud")
    for i in range(n_chips):
        chip = f"{CHIP}{i}"
        for f in _distinct(1 + (rnd() < 0.1), pick_designer):
            yield rel("DESIGNS", f"{FIRM}{f}", chip, prov({}))
    pick_fab = d.firm_picker("foundry", "memory")
    for i in range(n_chips):
        chip = f"{CHIP}{i}"
        for f in _distinct(1 + (rnd() < 0.25), pick_fab):
            yield rel("FABRICATES", f"{FIRM}{f}", chip,
                      prov({"process": f"N{int(3 + rnd() * 10)}"}))
    pick_packager = d.firm_picker("osat", "foundry")
    for i in range(n_chips):
        if rnd() < 0.6:
            yield rel("PACKAGES", f"{FIRM}{pick_packager()}", f"{CHIP}{i}", prov({}))

    # models: developer, training hardware
    pick_developer = d.firm_picker("ai_lab", "cloud")
    for i in range(c["Model"]):
        model = f"{MODEL}{i}"
        for f in _distinct(1 + (rnd() < 0.2), pick_developer):
            yield rel("DEVELOPS", f"{FIRM}{f}", model, prov({}))
    for i in range(c["Model"]):
        model = f"{MODEL}{i}"
        if rnd() < 0.6:
            yield rel("TRAINED_ON", model, f"{DC}{int(rnd() * n_dcs)}", prov({}))
        if rnd() < 0.8:
            # arguments run left to right: the chip is drawn before the quantity
            yield rel("TRAINED_ON", model, f"{CHIP}{int(rnd() * n_chips)}",
                      prov({"quantity": float(int(100 + rnd() ** 2 * 50_000))}))

    # data centers: operators and chips
    pick_operator = d.firm_picker("datacenter_operator", "cloud")
    for j in range(n_dcs):
        dc = f"{DC}{j}"
        for f in _distinct(1 + (rnd() < 0.2), pick_operator):
            yield rel("OPERATES", f"{FIRM}{f}", dc, prov({}))

    def any_chip() -> int:
        return int(rnd() * n_chips)
    for j in range(n_dcs):
        dc = f"{DC}{j}"
        for chip_i in _distinct(1 + _poisson(rng, 3.0), any_chip):
            yield rel("HOSTS", dc, f"{CHIP}{chip_i}",
                      prov({"quantity": float(int(8 + rnd() ** 3 * 100_000))}))

    # flows: shipments of chips, remote access
    pick_consignee = d.firm_picker("distributor", "cloud", "ai_lab", "datacenter_operator",
                                   "server_oem")
    choose_channel = d.chooser((("direct", 7), ("distributor", 2), ("transshipment", 0.7),
                                ("smuggling", 0.3)))
    for kind in ("chip_designer", "server_oem", "distributor", "cloud"):
        a, b = plan.firm_blocks[kind]
        for f in range(a, b):
            shipper = f"{FIRM}{f}"
            k = 1 + _poisson(rng, 4.5)
            seen: set[tuple[str, int, int]] = set()
            for _ in range(k):
                if rnd() < 0.6:
                    tgt = ("Firm", pick_consignee())
                else:
                    tgt = ("DataCenter", int(rnd() * n_dcs))
                item = int(rnd() * n_chips)
                if (tgt[0], tgt[1], item) in seen or tgt == ("Firm", f):
                    continue
                seen.add((tgt[0], tgt[1], item))
                # values run in order: quantity, period, channel, then the provenance
                yield rel("SHIPS_TO", shipper, nid(*tgt), prov({
                    "item": f"{CHIP}{item}",
                    "quantity": float(int(10 + rnd() ** 2 * 20_000)),
                    "period": str(2019 + int(rnd() * 7)), "channel": choose_channel()}))
    for kind, what in (("cloud", "cloud compute"), ("ai_lab", "model API")):
        a, b = plan.firm_blocks[kind]
        for f in range(a, b):
            server = f"{FIRM}{f}"
            seen_t: set[tuple[str, int]] = set()
            for _ in range(1 + _poisson(rng, 1.5)):
                tgt = (("Country", int(rnd() * n_countries)) if rnd() < 0.35
                       else ("Firm", int(rnd() * n_firms)))
                if tgt in seen_t or tgt == ("Firm", f):
                    continue
                seen_t.add(tgt)
                yield rel("SERVES", server, nid(*tgt), prov({"what": what}))

    # supply chain: suppliers per input (firm shares and country shares each <= 100)
    pick_supplier = d.firm_picker("equipment", "materials", "eda", "foundry", "memory", "osat")

    def any_country() -> int:
        return weighted_country(rnd())
    for i in range(n_inputs):
        inp = f"{INPUT}{i}"
        year = 2019 + int(rnd() * 5)
        firms = _distinct(1 + _poisson(rng, 2.5), pick_supplier)
        for f, share in zip(firms, split(40 + rnd() * 60, len(firms)), strict=True):
            yield rel("SUPPLIES", f"{FIRM}{f}", inp,
                      prov({"share": _floor(share, 2), "year": year}))
        ctry = _distinct(1 + _poisson(rng, 1.5), any_country)
        for k, share in zip(ctry, split(70 + rnd() * 30, len(ctry)), strict=True):
            yield rel("SUPPLIES", codes[k], inp, prov({"share": _floor(share, 2), "year": year}))
    # input hierarchy: edges only point to lower indices, so the union is acyclic
    for i in range(1, n_inputs):
        if rnd() < 0.5:
            yield rel("TYPE_OF", f"{INPUT}{i}", f"{INPUT}{int(rnd() * i)}", prov({}))
    def below(i: int) -> Callable[[], int]:
        return lambda: int(rnd() * i)
    for i in range(1, n_inputs):
        inp = f"{INPUT}{i}"
        for j in _distinct(1 + (rnd() < 0.4), below(i)):
            yield rel("GOES_INTO", inp, f"{INPUT}{j}", prov({}))

    def any_input() -> int:
        return int(rnd() * n_inputs)
    for i in range(n_chips):
        chip = f"{CHIP}{i}"
        for j in _distinct(3 + _poisson(rng, 3.0), any_input):
            yield rel("REQUIRES", chip, f"{INPUT}{j}", prov({}))

    # consortia: members (stakes <= 1 in all) and what they include
    def any_member() -> tuple[str, int]:
        return (("Country", weighted_country(rnd())) if rnd() < 0.25
                else ("Firm", int(rnd() * n_firms)))
    choose_role = d.chooser((("member", 5), ("lead", 1), ("investor", 2), ("government", 1)))
    for i in range(c["Consortium"]):
        cons = f"{CONS}{i}"
        members = _distinct(2 + _poisson(rng, 5.0), any_member)
        stakes = split(0.5 + rnd() * 0.5, len(members))
        for (label, m), stake in zip(members, stakes, strict=True):
            props = {"role": choose_role()}
            if rnd() < 0.5:
                props["stake"] = _floor(stake, 4)
            yield rel("MEMBER_OF", nid(label, m), cons, prov(props))
    layers = (("Model", "model"), ("Chip", "chip"), ("DataCenter", "datacenter"),
              ("Firm", "cloud"), ("Firm", "governance"))
    for i in range(c["Consortium"]):
        cons = f"{CONS}{i}"
        included: set[tuple[str, int]] = set()
        for _ in range(2 + _poisson(rng, 3.0)):
            label, layer = layers[int(rnd() * len(layers))]
            idx = int(rnd() * c[label])
            if (label, idx) not in included:
                included.add((label, idx))
                yield rel("INCLUDES", cons, nid(label, idx), prov({"layer": layer}))

    # the status histories of the first data centers
    for i in range(c["Value"]):
        yield rel("HAS_VALUE", f"{DC}{value_entry(i)[0]}", value_node_id(i), prov({}))

    # control lists: firms in D:5 countries far more often
    n_lists = c["ControlList"]
    choose_reason = d.chooser((("military end use", 3), ("sanctions", 1),
                               ("diversion risk", 2)))
    for f in range(n_firms):
        p = 0.15 if codes[hq(f)] in D5 else 0.004
        if rnd() < p:
            lst = f"{LIST}{int(rnd() * n_lists)}"
            yield rel("LISTED_ON", f"{FIRM}{f}", lst, prov({"reason": choose_reason()}))

    # the other parties of data centers (last, so the draws above stay as they were)
    pick_user = d.firm_picker("ai_lab", "cloud")
    pick_investor = d.firm_picker("investor", "sovereign_fund")
    pick_builder = d.firm_picker("datacenter_operator", "server_oem")
    pick_utility = d.firm_picker("state_entity")
    choose_use = d.chooser((("training", 2), ("inference", 2), ("cloud tenancy", 1)))
    for j in range(n_dcs):
        dc = f"{DC}{j}"
        if rnd() < 0.3:
            yield rel("USES", f"{FIRM}{pick_user()}", dc, prov({"what": choose_use()}))
        if rnd() < 0.1:
            yield rel("INVESTS_IN", f"{FIRM}{pick_investor()}", dc, prov({}))
        if rnd() < 0.1:
            yield rel("BUILDS", f"{FIRM}{pick_builder()}", dc, prov({}))
        if rnd() < 0.1:
            yield rel("POWERS", f"{FIRM}{pick_utility()}", dc, prov({}))


def synthetic_graph(nodes: int, seed: int = 0) -> tuple[Iterator[NodeRecord],
                                                         Iterator[RelRecord]]:
    """Lazy (nodes, relationships) of a synthetic graph of ``nodes`` nodes."""
    plan = Plan.make(nodes, seed)
    return iter_nodes(plan), iter_rels(plan)


def generate(nodes: int, seed: int = 0) -> Iterator[NodeRecord | RelRecord]:
    """Every record of a synthetic graph: nodes first, then relationships."""
    ns, rs = synthetic_graph(nodes, seed)
    return chain(ns, rs)
