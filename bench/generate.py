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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
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
    ("Model", 0.14), ("DataCenter", 0.12), ("Firm", 0.46),
]
#: Id prefix of each generated label (countries use their ISO alpha-3 code).
PREFIX = {"Firm": "firm:syn-", "Chip": "chip:syn-", "Model": "model:syn-",
          "DataCenter": "dc:syn-", "Consortium": "consortium:syn-", "Input": "input:syn-",
          "ControlList": "list:syn-", "Source": "src:syn-"}
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
        return _mix(_mix((self.seed << 8) ^ salt) ^ index) / 2.0**64

    def firm_kind(self, index: int) -> str:
        for kind, (a, b) in self.firm_blocks.items():
            if a <= index < b:
                return kind
        raise IndexError(index)

    def hq(self, firm: int) -> int:
        """Index of the headquarters country of a firm."""
        return self.countries.weighted(self.unit(1, firm))

    def dc_country(self, dc: int) -> int:
        return self.countries.weighted(self.unit(2, dc))

    def cycle_start(self, firm: int) -> bool:
        """Whether ``firm`` and ``firm + 1`` own each other (a deliberate OWNS 2-cycle).

        Only even offsets in the investor block start one, so cycles never overlap."""
        a, b = self.firm_blocks["investor"]
        return a <= firm < b - 1 and (firm - a) % 2 == 0 and self.unit(3, firm) < 0.02

    @cached_property
    def chip_kinds(self) -> tuple[str, ...]:
        return ("gpu", "gpu", "accelerator", "accelerator", "cpu", "hbm")


class _Draw:
    """The sequential random draws of one pass, with the plan's helpers."""

    def __init__(self, plan: Plan, stream: int) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed * 1_000_003 + stream)
        self.sources_n = plan.counts["Source"]

    def index(self, label: str) -> int:
        return int(self.rng.random() * self.plan.counts[label])

    def firm(self, *kinds: str) -> int:
        """A random firm of one of ``kinds`` (weighted by block size)."""
        blocks = [self.plan.firm_blocks[k] for k in kinds]
        total = sum(b - a for a, b in blocks)
        r = int(self.rng.random() * total)
        for a, b in blocks:
            if r < b - a:
                return a + r
            r -= b - a
        raise AssertionError("unreachable")  # pragma: no cover

    def choice(self, options: Sequence[tuple[str, float]]) -> str:
        r = self.rng.random() * sum(w for _, w in options)
        for value, weight in options:
            r -= weight
            if r < 0:
                return value
        return options[-1][0]

    def date(self, first: int = 2012, last: int = 2025) -> dt.date:
        return dt.date(first, 1, 1) + dt.timedelta(
            days=int(self.rng.random() * ((last - first + 1) * 365)))

    def provenance(self) -> dict[str, Any]:
        rng = self.rng
        k = 1 if rng.random() < 0.8 else 2
        srcs = sorted({f"{PREFIX['Source']}{int(rng.random() * self.sources_n)}"
                       for _ in range(k)})
        props: dict[str, Any] = {"sources": srcs, "confidence": self.choice(CONFIDENCE)}
        if rng.random() < 0.3:
            props["since"] = self.date()
            if rng.random() < 0.3:
                props["until"] = props["since"] + dt.timedelta(days=30 + int(rng.random() * 1500))
        return props

    def split(self, total: float, k: int) -> list[float]:
        """``k`` positive parts of ``total``, skewed (the first is usually the largest)."""
        weights = sorted((self.rng.random() ** 2 + 0.01 for _ in range(k)), reverse=True)
        s = sum(weights)
        return [total * w / s for w in weights]


# --- nodes ------------------------------------------------------------------------------

def iter_nodes(plan: Plan) -> Iterator[NodeRecord]:
    """Every node, label by label (sources first, so relationships can cite them)."""
    d = _Draw(plan, 1)
    rng = d.rng
    for i in range(plan.counts["Source"]):
        yield NodeRecord("Source", plan.node_id("Source", i), {
            "name": f"Synthetic report {i}", "title": f"Synthetic report {i}",
            "publisher": d.choice((("BIS", 1), ("ETO", 2), ("Epoch AI", 2), ("Press", 5))),
            "url": f"https://example.org/reports/{i}", "published": d.date(2015, 2026)})
    as_of = dt.date(2025, 1, 15)
    for code, name, iso2 in zip(plan.countries.codes, plan.countries.names,
                                plan.countries.iso2, strict=True):
        yield NodeRecord("Country", code, {
            "name": name, "iso3": code, "iso2": iso2,
            "bis_country_groups": Countries.groups(code), "bis_as_of": as_of,
            **_node_prov(d)})
    for i in range(plan.counts["ControlList"]):
        title, authority = CONTROL_LISTS[i]
        yield NodeRecord("ControlList", plan.node_id("ControlList", i), {
            "name": title, "authority": authority, **_node_prov(d)})
    for i in range(plan.counts["Firm"]):
        kind = [plan.firm_kind(i)]
        if rng.random() < 0.1:
            kind.append(FIRM_KINDS[int(rng.random() * len(FIRM_KINDS))][0])
        yield NodeRecord("Firm", plan.node_id("Firm", i), {
            "name": f"Firm {i}", "aliases": [f"F{i}"], "kind": sorted(set(kind)),
            "website": f"https://firm{i}.example.com", "founded": 1950 + int(rng.random() * 75),
            **_node_prov(d)})
    for i in range(plan.counts["Chip"]):
        chip_kind = plan.chip_kinds[int(rng.random() * len(plan.chip_kinds))]
        node = (3.0, 4.0, 5.0, 7.0, 12.0, 16.0)[int(rng.random() * 6)]
        tpp = round(500 + rng.random() * 6000, 1)
        yield NodeRecord("Chip", plan.node_id("Chip", i), {
            "name": f"Chip {i}", "kind": chip_kind, "process_node_nm": node, "tpp": tpp,
            "performance_density": round(tpp / (300 + rng.random() * 600), 2),
            "eccn": "3A090.a" if tpp >= 4800 else "3A090.b" if tpp >= 1600 else "EAR99",
            "release_year": 2016 + int(rng.random() * 10), **_node_prov(d)})
    for i in range(plan.counts["Model"]):
        yield NodeRecord("Model", plan.node_id("Model", i), {
            "name": f"Model {i}", "release_date": d.date(2018, 2025),
            "open_weights": rng.random() < 0.4, "parameters": float(10 ** (8 + rng.random() * 4)),
            "training_compute_flop": float(10 ** (20 + rng.random() * 6)),
            "domain": d.choice((("Language", 6), ("Vision", 2), ("Multimodal", 2))),
            **_node_prov(d)})
    for i in range(plan.counts["DataCenter"]):
        yield NodeRecord("DataCenter", plan.node_id("DataCenter", i), {
            "name": f"Data center {i}",
            "status": d.choice((("operational", 6), ("under_construction", 2), ("planned", 2))),
            "power_mw": round(5 + rng.random() ** 2 * 1500, 1),
            "h100_equivalents": float(int(rng.random() ** 3 * 200_000)),
            "city": f"City {int(rng.random() * 500)}", **_node_prov(d)})
    for i in range(plan.counts["Consortium"]):
        yield NodeRecord("Consortium", plan.node_id("Consortium", i), {
            "name": f"Consortium {i}",
            "kind": d.choice((("partnership", 3), ("joint_venture", 2), ("program", 2),
                              ("export_package", 1), ("alliance", 1),
                              ("investment_vehicle", 1))),
            "announced": d.date(2019, 2026), **_node_prov(d)})
    for i in range(plan.counts["Input"]):
        yield NodeRecord("Input", plan.node_id("Input", i), {
            "name": f"Input {i}",
            "type": d.choice((("tool", 4), ("material", 3), ("process", 2),
                              ("design_resource", 1))),
            "stage": d.choice((("design", 1), ("fabrication", 4), ("assembly", 2))),
            **_node_prov(d)})


def _node_prov(d: _Draw) -> dict[str, Any]:
    return {"sources": [f"{PREFIX['Source']}{int(d.rng.random() * d.sources_n)}"],
            "confidence": d.choice(CONFIDENCE)}


# --- relationships ----------------------------------------------------------------------

def _rel(d: _Draw, rtype: str, source: str, target: str, **props: Any) -> RelRecord:
    return RelRecord(rtype, source, target, {**props, **d.provenance()})


def _distinct(d: _Draw, k: int, draw: Any, exclude: Any = None) -> list[Any]:
    """Up to ``k`` distinct values of ``draw()`` (a few tries, then gives up)."""
    out: list[Any] = []
    for _ in range(k * 3):
        v = draw()
        if v != exclude and v not in out:
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
    """Every relationship, grouped by type."""
    d = _Draw(plan, 2)
    rng = d.rng
    nid = plan.node_id
    c = plan.counts
    n_firms = c["Firm"]

    # where firms and data centers are
    for i in range(n_firms):
        yield _rel(d, "HEADQUARTERED_IN", nid("Firm", i), nid("Country", plan.hq(i)))
    for j in range(c["DataCenter"]):
        yield _rel(d, "LOCATED_IN", nid("DataCenter", j), nid("Country", plan.dc_country(j)))

    # ownership: per owned firm, shares summing to at most 1
    for t in range(n_firms):
        owners: list[tuple[str, int]] = []
        if plan.cycle_start(t):
            owners.append(("Firm", t + 1))
        if t > 0 and plan.cycle_start(t - 1):
            owners.append(("Firm", t - 1))
        if rng.random() < 0.55:
            k = 1 + (rng.random() < 0.45) + (rng.random() < 0.3) + (rng.random() < 0.15)
            for _ in range(k):
                r = rng.random()
                if r < 0.45:
                    o = ("Firm", d.firm("investor", "sovereign_fund", "state_entity"))
                elif r < 0.88 and t > 0:
                    o = ("Firm", int(rng.random() * t))
                elif r < 0.95:
                    o = ("Country", plan.hq(t))
                else:
                    o = ("Firm", d.index("Firm"))
                if o != ("Firm", t) and o not in owners:
                    owners.append(o)
        if not owners:
            continue
        budget = 0.2 + rng.random() * 0.8
        for (label, owner), share in zip(owners, d.split(budget, len(owners)), strict=True):
            props: dict[str, Any] = {}
            if rng.random() >= 0.12:  # otherwise the share was not reported
                props["share"] = _floor(share, 4)
            props["kind"] = "control" if share >= 0.5 and rng.random() < 0.5 else (
                "voting" if rng.random() < 0.1 else "equity")
            yield _rel(d, "OWNS", nid(label, owner), nid("Firm", t), **props)

    # chips: designer, fabricator(s), packager
    for i in range(c["Chip"]):
        chip = nid("Chip", i)
        for f in _distinct(d, 1 + (rng.random() < 0.1),
                           lambda: d.firm("chip_designer", "chip_designer", "cloud")):
            yield _rel(d, "DESIGNS", nid("Firm", f), chip)
    for i in range(c["Chip"]):
        chip = nid("Chip", i)
        for f in _distinct(d, 1 + (rng.random() < 0.25), lambda: d.firm("foundry", "memory")):
            yield _rel(d, "FABRICATES", nid("Firm", f), chip,
                       process=f"N{int(3 + rng.random() * 10)}")
    for i in range(c["Chip"]):
        if rng.random() < 0.6:
            yield _rel(d, "PACKAGES", nid("Firm", d.firm("osat", "foundry")), nid("Chip", i))

    # models: developer, training hardware
    for i in range(c["Model"]):
        for f in _distinct(d, 1 + (rng.random() < 0.2), lambda: d.firm("ai_lab", "cloud")):
            yield _rel(d, "DEVELOPS", nid("Firm", f), nid("Model", i))
    for i in range(c["Model"]):
        model = nid("Model", i)
        if rng.random() < 0.6:
            yield _rel(d, "TRAINED_ON", model, nid("DataCenter", d.index("DataCenter")))
        if rng.random() < 0.8:
            yield _rel(d, "TRAINED_ON", model, nid("Chip", d.index("Chip")),
                       quantity=float(int(100 + rng.random() ** 2 * 50_000)))

    # data centers: operators and chips
    for j in range(c["DataCenter"]):
        for f in _distinct(d, 1 + (rng.random() < 0.2),
                           lambda: d.firm("datacenter_operator", "cloud")):
            yield _rel(d, "OPERATES", nid("Firm", f), nid("DataCenter", j))
    for j in range(c["DataCenter"]):
        for chip in _distinct(d, 1 + _poisson(rng, 3.0), lambda: d.index("Chip")):
            yield _rel(d, "HOSTS", nid("DataCenter", j), nid("Chip", chip),
                       quantity=float(int(8 + rng.random() ** 3 * 100_000)))

    # flows: shipments of chips, remote access
    ship_from = ("chip_designer", "server_oem", "distributor", "cloud")
    for kind in ship_from:
        a, b = plan.firm_blocks[kind]
        for f in range(a, b):
            k = 1 + _poisson(rng, 4.5)
            seen: set[tuple[str, int, int]] = set()
            for _ in range(k):
                if rng.random() < 0.6:
                    tgt = ("Firm", d.firm("distributor", "cloud", "ai_lab",
                                          "datacenter_operator", "server_oem"))
                else:
                    tgt = ("DataCenter", d.index("DataCenter"))
                item = d.index("Chip")
                if (tgt[0], tgt[1], item) in seen or tgt == ("Firm", f):
                    continue
                seen.add((tgt[0], tgt[1], item))
                yield _rel(d, "SHIPS_TO", nid("Firm", f), nid(*tgt), item=nid("Chip", item),
                           quantity=float(int(10 + rng.random() ** 2 * 20_000)),
                           period=str(2019 + int(rng.random() * 7)),
                           channel=d.choice((("direct", 7), ("distributor", 2),
                                             ("transshipment", 0.7), ("smuggling", 0.3))))
    for kind, what in (("cloud", "cloud compute"), ("ai_lab", "model API")):
        a, b = plan.firm_blocks[kind]
        for f in range(a, b):
            seen_t: set[tuple[str, int]] = set()
            for _ in range(1 + _poisson(rng, 1.5)):
                tgt = (("Country", int(rng.random() * c["Country"])) if rng.random() < 0.35
                       else ("Firm", d.index("Firm")))
                if tgt in seen_t or tgt == ("Firm", f):
                    continue
                seen_t.add(tgt)
                yield _rel(d, "SERVES", nid("Firm", f), nid(*tgt), what=what)

    # supply chain: suppliers per input (firm shares and country shares each <= 100)
    supplier_kinds = ("equipment", "materials", "eda", "foundry", "memory", "osat")
    for i in range(c["Input"]):
        inp = nid("Input", i)
        year = 2019 + int(rng.random() * 5)
        firms = _distinct(d, 1 + _poisson(rng, 2.5), lambda: d.firm(*supplier_kinds))
        for f, share in zip(firms, d.split(40 + rng.random() * 60, len(firms)), strict=True):
            yield _rel(d, "SUPPLIES", nid("Firm", f), inp, share=_floor(share, 2), year=year)
        ctry = _distinct(d, 1 + _poisson(rng, 1.5),
                         lambda: plan.countries.weighted(rng.random()))
        for k, share in zip(ctry, d.split(70 + rng.random() * 30, len(ctry)), strict=True):
            yield _rel(d, "SUPPLIES", nid("Country", k), inp, share=_floor(share, 2), year=year)
    # input hierarchy: edges only point to lower indices, so the union is acyclic
    for i in range(1, c["Input"]):
        if rng.random() < 0.5:
            yield _rel(d, "TYPE_OF", nid("Input", i), nid("Input", int(rng.random() * i)))
    for i in range(1, c["Input"]):
        for j in _distinct(d, 1 + (rng.random() < 0.4), lambda i=i: int(rng.random() * i)):
            yield _rel(d, "GOES_INTO", nid("Input", i), nid("Input", j))
    for i in range(c["Chip"]):
        for j in _distinct(d, 3 + _poisson(rng, 3.0), lambda: d.index("Input")):
            yield _rel(d, "REQUIRES", nid("Chip", i), nid("Input", j))

    # consortia: members (stakes <= 1 in all) and what they include
    for i in range(c["Consortium"]):
        cons = nid("Consortium", i)
        members = _distinct(d, 2 + _poisson(rng, 5.0), lambda: (
            ("Country", plan.countries.weighted(rng.random())) if rng.random() < 0.25
            else ("Firm", d.index("Firm"))))
        stakes = d.split(0.5 + rng.random() * 0.5, len(members))
        for (label, m), stake in zip(members, stakes, strict=True):
            props = {"role": d.choice((("member", 5), ("lead", 1), ("investor", 2),
                                       ("government", 1)))}
            if rng.random() < 0.5:
                props["stake"] = _floor(stake, 4)
            yield _rel(d, "MEMBER_OF", nid(label, m), cons, **props)
    layers = (("Model", "model"), ("Chip", "chip"), ("DataCenter", "datacenter"),
              ("Firm", "cloud"), ("Firm", "governance"))
    for i in range(c["Consortium"]):
        cons = nid("Consortium", i)
        included: set[tuple[str, int]] = set()
        for _ in range(2 + _poisson(rng, 3.0)):
            label, layer = layers[int(rng.random() * len(layers))]
            idx = d.index(label)
            if (label, idx) not in included:
                included.add((label, idx))
                yield _rel(d, "INCLUDES", cons, nid(label, idx), layer=layer)

    # control lists: firms in D:5 countries far more often
    n_lists = c["ControlList"]
    for f in range(n_firms):
        country = plan.countries.codes[plan.hq(f)]
        p = 0.15 if country in D5 else 0.004
        if rng.random() < p:
            lst = nid("ControlList", int(rng.random() * n_lists))
            reason = d.choice((("military end use", 3), ("sanctions", 1),
                               ("diversion risk", 2)))
            yield _rel(d, "LISTED_ON", nid("Firm", f), lst, reason=reason)


def synthetic_graph(nodes: int, seed: int = 0) -> tuple[Iterator[NodeRecord],
                                                         Iterator[RelRecord]]:
    """Lazy (nodes, relationships) of a synthetic graph of ``nodes`` nodes."""
    plan = Plan.make(nodes, seed)
    return iter_nodes(plan), iter_rels(plan)


def generate(nodes: int, seed: int = 0) -> Iterator[NodeRecord | RelRecord]:
    """Every record of a synthetic graph: nodes first, then relationships."""
    ns, rs = synthetic_graph(nodes, seed)
    return chain(ns, rs)
