"""Importers of two US control lists as curated by OpenSanctions (formats ``dod-1260h`` and
``bis-mieu``).

``dod-1260h`` (``sanctions.csv``: Name, Clean Name, Alias, Previous Name, Parent Name, Note,
Start date, End date, Source Url): ControlList ``list:us-dod-1260h``; each row is one listing
of one edition of the list -> LISTED_ON with ``since`` = Start date and ``until`` = End date
(a firm listed in 2021, 2025 and 2026 has three listings); the published name is kept as
``listed_name``. A row's Parent Name links the subsidiary to its parent as control (OWNS with
kind ``control`` and no share: the list says who controls, not how much is owned).

``bis-mieu`` (``mieu.csv``: Type, Name, Alias, Country, Topics, Program, Date, End date,
Source URL): ControlList ``list:us-bis-mieu``; LISTED_ON with since/until, each listing citing
its Federal Register notice; HEADQUARTERED_IN from the ISO alpha-2 Country.

Listed parties resolve to known firms by name or alias (SMIC is ``firm:smic``), else become
new Firm records with the list's aliases (comma-separated cells, a trailing "(ABBR)").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pycountry

from ingest.cells import RowCells, header, is_url, name_and_abbreviation, names, url_source
from ingest.csvfile import read_csv
from ingest.curated import display_path
from ingest.parties import Parties
from ingest.records import NodeRecord, Origin, Rejection, RelRecord
from ingest.resolve import FirmIndex

Item = NodeRecord | RelRecord | Rejection

DOD_SOURCE = "src:opensanctions-us-dod-1260h"
DOD_LIST = "list:us-dod-1260h"
DOD_REQUIRED = ("Name", "Clean Name", "Alias", "Previous Name", "Parent Name", "Start date",
                "End date")
MIEU_SOURCE = "src:opensanctions-us-bis-mieu"
MIEU_LIST = "list:us-bis-mieu"
MIEU_REQUIRED = ("Type", "Name", "Alias", "Country", "Program", "Date", "End date")


def dod_records() -> list[NodeRecord]:
    origin = Origin("ingest/us_lists.py")
    return [
        NodeRecord("Source", DOD_SOURCE, {
            "title": "US Department of Defense Chinese military companies list (Section 1260H "
                     "of the FY2021 NDAA), as curated by OpenSanctions",
            "publisher": "OpenSanctions", "published": dt.date(2026, 8, 22),
            "license": "CC BY-NC 4.0"}, origin),
        NodeRecord("ControlList", DOD_LIST, {
            "name": "DoD Section 1260H list (Chinese military companies)",
            "aliases": ["1260H list", "Chinese military companies list"],
            "authority": "US Department of Defense",
            "description": "Entities identified as Chinese military companies operating in the "
                           "United States under Section 1260H of the FY2021 NDAA",
            "sources": [DOD_SOURCE], "confidence": "high"}, origin),
    ]


def mieu_records() -> list[NodeRecord]:
    origin = Origin("ingest/us_lists.py")
    return [
        NodeRecord("Source", MIEU_SOURCE, {
            "title": "US BIS military-intelligence end users (EAR 744.22), as curated by "
                     "OpenSanctions",
            "publisher": "OpenSanctions", "published": dt.date(2026, 8, 22),
            "license": "CC BY-NC 4.0"}, origin),
        NodeRecord("ControlList", MIEU_LIST, {
            "name": "BIS Military-Intelligence End User list",
            "aliases": ["MIEU list"], "authority": "US Bureau of Industry and Security",
            "description": "Military-intelligence end users of EAR section 744.22",
            "sources": [MIEU_SOURCE], "confidence": "high"}, origin),
    ]


def is_dod_csv(path: Path) -> bool:
    cols = header(path)
    return "Clean Name" in cols and "Parent Name" in cols


def is_mieu_csv(path: Path) -> bool:
    cols = header(path)
    return all(c in cols for c in ("Type", "Name", "Topics", "Program", "Date"))


def _cite(url: str, cell: RowCells, sources: dict[str, NodeRecord], base: str) -> list[str]:
    out = [base]
    if url and is_url(url):
        src = url_source(url, cell.origin)
        sources.setdefault(src.id, src)
        out.append(src.id)
    elif url:
        cell.warn("Source Url", f"expected a URL, got {url!r}; not cited")
    return out


def read_dod_1260h(path: Path, firms: FirmIndex | None = None) -> list[Item]:
    """Every record of OpenSanctions' 1260H CSV; ``firms`` resolves listed names.

    A name the file ever gives a parent is resolved apart from that parent (the list tells
    "China Telecom Corporation Limited" from its parent "China Telecom Group Co., Ltd.",
    which name normalisation alone would merge), whichever row comes first."""
    firms = firms or FirmIndex()
    fname = display_path(path)
    items: list[Item] = []
    parties = Parties(firms, [DOD_SOURCE], "high")
    sources: dict[str, NodeRecord] = {}
    rows: list[tuple[int, dict[str, str]]] = []
    for row in read_csv(path, DOD_REQUIRED, label="LISTED_ON"):
        if isinstance(row, Rejection):
            items.append(row)
        else:
            rows.append(row)
    listed: dict[tuple[str, dt.date], str] = {}  # (firm, since) -> the name listed
    listed_line: dict[tuple[str, dt.date], int] = {}
    parent_of: dict[str, str] = {}
    for _, r in rows:
        if r["Parent Name"]:
            parent_of.setdefault(_clean(r).casefold(), r["Parent Name"])
    for line, r in rows:
        cell = RowCells(fname, line, r, items, "LISTED_ON")
        clean = _clean(r)
        if not clean:
            items.append(Rejection(cell.origin, "Clean Name", "missing name: the row is not "
                                   "loaded", dict(r), label="LISTED_ON"))
            continue
        parent: str | Rejection | None = None
        parent_text = r["Parent Name"] or parent_of.get(clean.casefold(), "")
        if parent_text:
            parent_name, parent_aliases = name_and_abbreviation(parent_text)
            parent = parties.resolve(parent_name, cell.origin, "Parent Name", parent_aliases,
                                     label="OWNS")
        aliases = names(r["Alias"]) + names(r["Previous Name"])
        firm = parties.resolve(clean, cell.origin, "Clean Name", aliases, label="LISTED_ON",
                               distinct_from=parent if isinstance(parent, str) else None)
        if isinstance(firm, Rejection):
            items.append(firm)
            continue
        since, until = cell.day("Start date"), cell.day("End date")
        if since is None:
            items.append(Rejection(cell.origin, "Start date", "missing or bad start date: "
                                   "expected YYYY-MM-DD; the listing is not loaded", dict(r),
                                   label="LISTED_ON"))
            continue
        cites = _cite(r.get("Source Url", ""), cell, sources, DOD_SOURCE)
        if (firm, since) in listed:
            cell.warn("Clean Name", f"{clean!r} resolves to {firm}, already listed on {since} "
                      f"as {listed[firm, since]!r} (line {listed_line[firm, since]}): one "
                      "listing loaded", "LISTED_ON")
            continue
        listed[firm, since], listed_line[firm, since] = r["Name"], line
        items.append(RelRecord("LISTED_ON", firm, DOD_LIST, {
            "sources": cites, "confidence": "high", "since": since, "until": until,
            "listed_name": r["Name"], "note": r.get("Note") or None}, cell.origin))
        if not r["Parent Name"]:
            continue
        if isinstance(parent, Rejection):
            items.append(parent)
        elif parent == firm:
            cell.warn("Parent Name", f"parent {r['Parent Name']!r} is the listed firm itself "
                      f"({firm}, by a curated name or alias): OWNS not loaded", "OWNS")
        elif parent is not None:
            items.append(RelRecord("OWNS", parent, firm, {
                "kind": "control", "sources": cites, "confidence": "high"}, cell.origin))
    return [*dod_records(), *sources.values(), *parties.records(), *items]


def _clean(r: dict[str, str]) -> str:
    return r["Clean Name"] or name_and_abbreviation(r["Name"])[0]


def read_bis_mieu(path: Path, firms: FirmIndex | None = None) -> list[Item]:
    """Every record of OpenSanctions' BIS MIEU CSV; ``firms`` resolves listed names."""
    firms = firms or FirmIndex()
    fname = display_path(path)
    items: list[Item] = []
    parties = Parties(firms, [MIEU_SOURCE], "high")
    sources: dict[str, NodeRecord] = {}
    for row in read_csv(path, MIEU_REQUIRED, label="LISTED_ON"):
        if isinstance(row, Rejection):
            items.append(row)
            continue
        line, r = row
        cell = RowCells(fname, line, r, items, "LISTED_ON")
        if not r["Name"]:
            items.append(Rejection(cell.origin, "Name", "missing name: the row is not loaded",
                                   dict(r), label="LISTED_ON"))
            continue
        firm = parties.resolve(r["Name"], cell.origin, "Name", names(r["Alias"]),
                               {"kind": ["state_entity"]}, label="LISTED_ON")
        if isinstance(firm, Rejection):
            items.append(firm)
            continue
        since, until = cell.day("Date"), cell.day("End date")
        if since is None:
            items.append(Rejection(cell.origin, "Date", "missing or bad listing date: "
                                   "expected YYYY-MM-DD; the listing is not loaded", dict(r),
                                   label="LISTED_ON"))
            continue
        cites = _cite(r.get("Source URL", ""), cell, sources, MIEU_SOURCE)
        prov = {"sources": cites, "confidence": "high"}
        items.append(RelRecord("LISTED_ON", firm, MIEU_LIST, {
            **prov, "since": since, "until": until, "listed_name": r["Name"],
            "reason": "military-intelligence end user (EAR 744.22)"}, cell.origin))
        code = r["Country"].strip()
        country = pycountry.countries.get(alpha_2=code.upper()) if code else None
        if country is not None:
            items.append(RelRecord("HEADQUARTERED_IN", firm, country.alpha_3, dict(prov),
                                   cell.origin))
        elif code:
            cell.warn("Country", f"{code!r} is not an ISO 3166-1 alpha-2 code: "
                      "HEADQUARTERED_IN not loaded", "HEADQUARTERED_IN")
    return [*mieu_records(), *sources.values(), *parties.records(), *items]
