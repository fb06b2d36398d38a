"""Importer of Epoch AI's "Frontier AI Data Centers" export (format ``epoch-datacenters``):
a folder with ``data_centers.csv`` (one campus per row) and ``data_center_timelines.csv``
(dated rows per campus, by its Handle).

Each campus -> DataCenter ``dc:epoch-campus-<slug of its Handle>`` (its own id space:
Epoch's GPU clusters name some sites the same way) (name = Title, alias = Handle),
with address and project, LOCATED_IN the country its address names (a country pycountry
knows, or a US state by name or by its code before a ZIP code, also from pycountry).
Parties, each tagged ``#confident`` / ``#likely`` / ``#speculative`` (-> confidence high /
medium / low; untagged -> medium): Owner -> OPERATES, Users -> USES (not for the owner
itself), Investors -> INVESTS_IN, Construction companies -> BUILDS, Energy companies ->
POWERS; names resolve to known firms or become new ones.

The timeline becomes dated values (the team's contract, DESIGN.md section 4): ``power_mw``
and ``h100_equivalents`` as histories of entries ``{value, since, until, sources,
confidence, note}`` -- one entry per change (a blank cell keeps the previous value; equal
successive values are one entry), ``until`` the day before the next change -- and
``status``: under_construction from the first timeline row, operational from the first row
with power. Rows dated after Epoch's snapshot are Epoch's projections: confidence low.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pycountry

from ingest.cells import RowCells, names, number, tagged
from ingest.csvfile import read_csv
from ingest.curated import display_path
from ingest.parties import Parties
from ingest.records import NodeRecord, Origin, Rejection, RelRecord
from ingest.resolve import FirmIndex, slugify

Item = NodeRecord | RelRecord | Rejection

SOURCE_ID = "src:epoch-frontier-data-centers"
CAMPUSES = "data_centers.csv"
TIMELINES = "data_center_timelines.csv"
CAMPUS_REQUIRED = ("Handle", "Title", "Owner", "Users", "Investors", "Construction companies",
                   "Energy companies", "Address")
TIMELINE_REQUIRED = ("Date", "Data center", "Power (MW)", "H100 equivalents")
#: the snapshot the shared copy was taken from: later timeline rows are projections
SNAPSHOT = dt.date(2026, 3, 6)
PARTIES = (("Owner", "OPERATES"), ("Users", "USES"), ("Investors", "INVESTS_IN"),
           ("Construction companies", "BUILDS"), ("Energy companies", "POWERS"))


def source_record() -> NodeRecord:
    return NodeRecord("Source", SOURCE_ID, {
        "title": "Data on Frontier AI Data Centers", "publisher": "Epoch AI",
        "url": "https://epoch.ai/data/data-centers", "published": dt.date(2025, 11, 1),
        "license": "CC BY 4.0",
    }, Origin("ingest/epoch_datacenters.py"))


def is_datacenters_dir(path: Path) -> bool:
    return path.is_dir() and (path / CAMPUSES).is_file()


def address_country(address: str) -> str | None:
    """ISO3 of the country an address names: a US state code before a ZIP code, a
    comma-separated part that is a country, or a US state's name (pycountry's lists)."""
    m = re.search(r"\b([A-Z]{2})\s+\d{5}\b", address)
    if m and pycountry.subdivisions.get(code=f"US-{m.group(1)}"):
        return "USA"
    for part in reversed([p.strip() for p in address.split(",")]):
        try:
            return str(pycountry.countries.lookup(part).alpha_3)
        except LookupError:
            continue
    for state in pycountry.subdivisions.get(country_code="US") or []:
        if re.search(rf"\b{re.escape(state.name)}\b", address):
            return "USA"
    return None


def _history(points: list[tuple[dt.date, Any]], prov: list[str]) -> list[dict[str, Any]]:
    """Dated points -> entries: equal successive values merged, until = next change - 1."""
    entries: list[dict[str, Any]] = []
    for when, value in sorted(points, key=lambda p: p[0]):
        if entries and entries[-1]["value"] == value:
            continue
        if entries:
            entries[-1]["until"] = when - dt.timedelta(days=1)
        projected = when > SNAPSHOT
        entries.append({"value": value, "since": when, "until": None, "sources": list(prov),
                        "confidence": "low" if projected else "medium",
                        "note": "Epoch AI projection" if projected else "Epoch AI estimate"})
    for e in entries:
        if e["until"] is None:
            del e["until"]
    return entries


def read_epoch_datacenters(path: Path, firms: FirmIndex | None = None) -> list[Item]:
    """Every record of an Epoch frontier data centers folder; ``firms`` resolves parties."""
    firms = firms or FirmIndex()
    folder = path if path.is_dir() else path.parent
    items: list[Item] = [source_record()]
    parties = Parties(firms, [SOURCE_ID], "medium")
    campuses: dict[str, tuple[str, RowCells]] = {}
    fname = display_path(folder / CAMPUSES)
    for row in read_csv(folder / CAMPUSES, CAMPUS_REQUIRED, label="DataCenter"):
        if isinstance(row, Rejection):
            items.append(row)
            continue
        line, r = row
        cell = RowCells(fname, line, r, items, "DataCenter")
        if not r["Handle"]:
            items.append(Rejection(cell.origin, "Handle", "missing handle: the row is not "
                                   "loaded", dict(r), label="DataCenter"))
            continue
        campuses[r["Handle"]] = (f"dc:epoch-campus-{slugify(r['Handle'])}", cell)
    points: dict[str, dict[str, list[tuple[dt.date, Any]]]] = {h: {} for h in campuses}
    tname = display_path(folder / TIMELINES)
    timeline = folder / TIMELINES
    for row in read_csv(timeline, TIMELINE_REQUIRED, label="DataCenter") \
            if timeline.exists() else []:
        if isinstance(row, Rejection):
            items.append(row)
            continue
        line, r = row
        cell = RowCells(tname, line, r, items, "DataCenter")
        handle = r["Data center"]
        if handle not in campuses:
            items.append(Rejection(cell.origin, "Data center", f"unknown data center "
                                   f"{handle!r}: expected a Handle of {CAMPUSES}", dict(r),
                                   label="DataCenter"))
            continue
        when = cell.day("Date")
        if when is None:
            continue
        for col, prop in (("Power (MW)", "power_mw"), ("H100 equivalents", "h100_equivalents")):
            value = cell.number(col)
            if value is not None:
                points[handle].setdefault(prop, []).append((when, value))
        power = cell.number("Power (MW)")
        if power is not None:
            points[handle].setdefault("status", []).append(
                (when, "operational" if power > 0 else "under_construction"))
    for handle, (dc, cell) in campuses.items():
        r = cell.row
        prov = [SOURCE_ID]
        props: dict[str, Any] = {"name": r["Title"] or handle, "aliases": [handle],
                                 "sources": prov, "confidence": "medium",
                                 "address": r["Address"] or None}
        project, _ = tagged(r.get("Project", ""))
        props["project"] = project or None
        for prop in ("power_mw", "h100_equivalents"):
            if points[handle].get(prop):
                props[prop] = _history(points[handle][prop], prov)
        status = sorted(points[handle].get("status", []))
        if status:  # operational from the first row with power, for good
            first_on = next((w for w, s in status if s == "operational"), None)
            marks = [(status[0][0], "under_construction")] if status[0][1] != "operational" \
                else []
            if first_on:
                marks.append((first_on, "operational"))
            props["status"] = _history(marks, prov)
        else:
            try:
                props["power_mw"] = number(r.get("Current power (MW)"))
                props["h100_equivalents"] = number(r.get("Current H100 equivalents"))
            except ValueError as exc:
                cell.warn("Current power (MW)", f"{exc}; left out")
        items.append(NodeRecord("DataCenter", dc, props, cell.origin))
        country = address_country(r["Address"])
        if country:
            items.append(RelRecord("LOCATED_IN", dc, country,
                                   {"sources": prov, "confidence": "high"}, cell.origin))
        else:
            cell.warn("Address", f"no country can be read from the address {r['Address']!r}: "
                      "LOCATED_IN not loaded", "LOCATED_IN")
        operators: set[str] = set()
        for column, rel in PARTIES:
            for text in names(r[column]):
                party, confidence = tagged(text)
                if not party:
                    continue
                firm = parties.resolve(party, cell.origin, column, label=rel)
                if isinstance(firm, Rejection):
                    items.append(firm)
                    continue
                if rel == "OPERATES":
                    operators.add(firm)
                elif rel == "USES" and firm in operators:
                    continue
                items.append(RelRecord(rel, firm, dc, {
                    "sources": prov, "confidence": confidence or "medium"}, cell.origin))
    return [*items[:1], *parties.records(), *items[1:]]

