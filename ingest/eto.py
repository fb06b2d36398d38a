"""Importer of ETO's Advanced Semiconductor Supply Chain Dataset (Chip Explorer CSVs).

stages.csv and inputs.csv -> Input nodes (``input:s1``, ``input:n19``: the ETO id in lower
case); providers.csv -> the provider of each P-id: a Country (ETO writes ISO3 codes), a
curated Firm resolved by name or alias, or a new Firm ``firm:<slug>`` headquartered in the
provider's country; provision.csv -> SUPPLIES (share in percent of the world market, year);
sequence.csv -> GOES_INTO and TYPE_OF. Every fact cites ``src:eto-chip-explorer``.

Pseudo-providers are shares of the market, not bad input: ETO gives part of an input's
world market to "Various countries", "Various companies" or "EUR" (Europe as a whole).
Their provision rows become the input's ``unattributed_country_share``,
``unattributed_firm_share`` and ``europe_share`` (percent), which the concentration
answers show, so an input ETO gives wholly to "various countries" still has its supply.
Repeated provider rows merge their aliases into the same node (a merge, not a rejection);
rows with the wrong number of columns, unknown ids or types are rejected with their line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest.countries import iso3
from ingest.csvfile import read_csv
from ingest.curated import display_path
from ingest.records import NodeRecord, Origin, Rejection, RelRecord
from ingest.resolve import FirmIndex, slugify

Item = NodeRecord | RelRecord | Rejection

SOURCE_ID = "src:eto-chip-explorer"
CONFIDENCE = "medium"
FILES = ("stages.csv", "inputs.csv", "providers.csv", "provision.csv", "sequence.csv")
_PSEUDO_NAME = re.compile(r"^various\b", re.IGNORECASE)
#: pseudo-providers of providers.csv (by name) -> the Input property holding their share
PSEUDO_SHARES = {"various countries": "unattributed_country_share",
                 "various companies": "unattributed_firm_share",
                 "eur": "europe_share"}


def source_record() -> NodeRecord:
    return NodeRecord("Source", SOURCE_ID, {
        "title": "ETO Advanced Semiconductor Supply Chain Dataset (Chip Explorer)",
        "publisher": "Emerging Technology Observatory, Georgetown CSET",
        "published": dt.date(2026, 8, 14),
        "url": "https://eto.tech/dataset-docs/chipexplorer",
        "license": "CC BY-NC 4.0",
    }, Origin("ingest/eto.py"))


def is_eto_dir(path: Path) -> bool:
    return path.is_dir() and (path / "providers.csv").exists()


def input_id(eto_id: str) -> str | None:
    """``N19`` -> ``input:n19``; stages ``S1`` -> ``input:s1``; None for anything else."""
    return f"input:{eto_id.lower()}" if re.fullmatch(r"[NS]\d+", eto_id or "") else None


@dataclass
class Provider:
    """What a P-id stands for: a node id, or why it cannot be one."""

    pid: str
    name: str
    line: int
    node_id: str | None = None
    problem: str | None = None
    aliases: list[str] = field(default_factory=list)
    country: str | None = None
    new_firm: bool = False
    #: for a pseudo-provider: the Input property its shares go to
    share_property: str | None = None


def _prov(extra: dict[str, object] | None = None) -> dict[str, object]:
    out: dict[str, object] = {"sources": [SOURCE_ID], "confidence": CONFIDENCE}
    out.update(extra or {})
    return out


def _stages(folder: Path) -> Iterator[Item]:
    f = folder / "stages.csv"
    if not f.exists():
        return
    for row in read_csv(f, ("stage_id", "stage_name"), label="Input"):
        if isinstance(row, Rejection):
            yield row
            continue
        line, r = row
        origin = Origin(display_path(f), line)
        node_id = input_id(r["stage_id"])
        if node_id is None:
            yield Rejection(origin, "stage_id", f"bad stage id {r['stage_id']!r}: expected "
                            "S followed by digits", dict(r), label="Input")
            continue
        yield NodeRecord("Input", node_id, _prov({
            "name": r["stage_name"], "type": "stage", "stage": r["stage_name"],
            "description": r.get("description"),
            "market_size": r.get("market_share_chart_global_market_size_info")}), origin)


def _inputs(folder: Path) -> Iterator[Item]:
    f = folder / "inputs.csv"
    for row in read_csv(f, ("input_id", "input_name", "type"), label="Input"):
        if isinstance(row, Rejection):
            yield row
            continue
        line, r = row
        origin = Origin(display_path(f), line)
        node_id = input_id(r["input_id"])
        if node_id is None or node_id.startswith("input:s"):
            yield Rejection(origin, "input_id", f"bad input id {r['input_id']!r}: expected N "
                            "followed by digits", dict(r), label="Input")
            continue
        yield NodeRecord("Input", node_id, _prov({
            "name": r["input_name"], "type": r["type"], "stage": r.get("stage_name"),
            "description": r.get("description"), "year": r.get("year"),
            "market_size": r.get("market_share_chart_global_market_size_info")}), origin)


def _providers(folder: Path, firms: FirmIndex,
               out: list[Item]) -> dict[str, Provider]:
    """Resolve every P-id; rejections and warnings go to ``out``."""
    f = folder / "providers.csv"
    fname = display_path(f)
    providers: dict[str, Provider] = {}
    for row in read_csv(f, ("provider_name", "provider_id", "provider_type", "country")):
        if isinstance(row, Rejection):
            out.append(row)
            continue
        line, r = row
        pid, name, alias = r["provider_id"], r["provider_name"], r.get("alias", "")
        origin = Origin(fname, line)
        if pid in providers:  # another alias of the same provider: merged, not rejected
            p = providers[pid]
            if alias and alias != p.name and alias not in p.aliases:
                p.aliases.append(alias)
            continue
        p = Provider(pid, name, line, aliases=[alias] if alias and alias != name else [])
        providers[pid] = p
        kind = r["provider_type"]
        if name.strip().lower() in PSEUDO_SHARES:
            p.share_property = PSEUDO_SHARES[name.strip().lower()]
        elif kind == "country":
            code = iso3(name) if re.fullmatch(r"[A-Z]{3}", name) else None
            if code is None:
                p.problem = (f"pseudo-provider {name!r} ({pid}) is not a country of ISO 3166-1"
                             f"{' (' + alias + ')' if alias else ''}")
            else:
                p.node_id = code
        elif kind == "organization":
            country = iso3(r["country"]) if re.fullmatch(r"[A-Z]{3}", r["country"]) else None
            if _PSEUDO_NAME.match(name):
                p.problem = f"pseudo-provider {name!r} ({pid}) is not a firm"
            elif country is None:
                p.problem = (f"provider {name!r} ({pid}) has country {r['country']!r}, not "
                             "an ISO 3166-1 alpha-3 code")
            else:
                p.country = country
                found = firms.resolve(name) or (firms.resolve(alias) if alias else None)
                slug_id = f"firm:{slugify(name)}"
                if found is None and slug_id in firms.ids:
                    found = slug_id
                if found is None:
                    p.node_id, p.new_firm = slug_id, True
                    firms.add(slug_id, [name, alias])
                else:
                    p.node_id = found
        else:
            p.problem = (f"provider {name!r} ({pid}) has type {kind!r}: expected country or "
                         "organization")
        if p.problem:
            out.append(Rejection(origin, "provider_name", p.problem + "; its provision rows "
                                 "are rejected", dict(r), severity="warning"))
    return providers


def read_eto(folder: Path, firms: FirmIndex | None = None) -> list[Item]:
    """Every record of the ETO folder; ``firms`` resolves providers to existing firms
    (build it from the database and the curated records of the same load)."""
    firms = firms or FirmIndex()
    items: list[Item] = [source_record()]
    items.extend(_stages(folder))
    items.extend(_inputs(folder))
    problems: list[Item] = []
    providers = _providers(folder, firms, problems)
    items.extend(problems)
    done: set[str] = set()
    for p in providers.values():
        if not p.new_firm or p.node_id is None or p.node_id in done:
            continue
        done.add(p.node_id)
        origin = Origin(display_path(folder / "providers.csv"), p.line)
        items.append(NodeRecord("Firm", p.node_id, _prov({"name": p.name,
                                                          "aliases": p.aliases}), origin))
        items.append(RelRecord("HEADQUARTERED_IN", p.node_id, p.country or "", _prov(), origin))
    inputs = {i.id: i for i in items if isinstance(i, NodeRecord) and i.label == "Input"}
    f = folder / "provision.csv"
    fname = display_path(f)
    for row in read_csv(f, ("provider_id", "provided_id", "share_provided", "year"),
                        label="SUPPLIES"):
        if isinstance(row, Rejection):
            items.append(row)
            continue
        line, r = row
        origin = Origin(fname, line)
        prov = providers.get(r["provider_id"])
        target = input_id(r["provided_id"])
        if prov is not None and prov.share_property and target is not None:
            # a share of the market given to no single country or firm: on the input
            rec = inputs.get(target)
            if rec is None:
                items.append(Rejection(origin, "provided_id", f"unknown input "
                                       f"{r['provided_id']!r}: expected an input of "
                                       "inputs.csv or stages.csv", dict(r), label="Input"))
            elif r["share_provided"]:
                rec.props[prov.share_property] = r["share_provided"]
            continue
        if prov is None or prov.node_id is None:
            why = prov.problem if prov else f"unknown provider id {r['provider_id']!r}"
            items.append(Rejection(origin, "provider_id", f"{why}: expected a country or firm "
                                   "of providers.csv", dict(r), label="SUPPLIES"))
            continue
        if target is None:
            items.append(Rejection(origin, "provided_id", f"bad input id {r['provided_id']!r}: "
                                   "expected N or S followed by digits", dict(r),
                                   label="SUPPLIES"))
            continue
        items.append(RelRecord("SUPPLIES", prov.node_id, target, _prov(
            {"share": r["share_provided"], "year": r["year"]}), origin))
    f = folder / "sequence.csv"
    fname = display_path(f)
    for row in read_csv(f, ("input_id", "goes_into_id", "is_type_of_id")):
        if isinstance(row, Rejection):
            items.append(row)
            continue
        line, r = row
        origin = Origin(fname, line)
        for col, rtype in (("goes_into_id", "GOES_INTO"), ("is_type_of_id", "TYPE_OF")):
            if not r[col]:
                continue
            a, b = input_id(r["input_id"]), input_id(r[col])
            if a is None or b is None:
                items.append(Rejection(origin, col, f"bad input id in {r['input_id']!r} -> "
                                       f"{r[col]!r}: expected N followed by digits", dict(r),
                                       label=rtype))
                continue
            items.append(RelRecord(rtype, a, b, _prov(), origin))
    return items
