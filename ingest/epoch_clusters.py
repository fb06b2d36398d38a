"""Importer of Epoch AI's "GPU Clusters" CSV export (format ``epoch-clusters``).

One DataCenter per row (``dc:epoch-<slug of the name>``) with status (Existing ->
operational, Planned -> planned, Decommissioned -> decommissioned), certainty, H100
equivalents, power, first operational date, sector and location; LOCATED_IN its country
(Epoch's English names resolved through pycountry); OPERATES from each Owner (resolved to a
known firm, else a new Firm); USES from each User that is a known firm (the Users column
also holds groups such as "Cloud" or "Academia", which are reported, not made firms); HOSTS
its primary and secondary chips with their quantity, the chip names resolved by
``ingest.chipnames`` ("NVIDIA H100 SXM5 80GB" -> ``chip:nvidia-h100-sxm``).

Names are not unique ("Anonymized Chinese System" names 220 rows, 49 of them identical in
every cell): a name used by several rows gets an id from the digest of the row's own cells
(plus ``-2``, ``-3`` for identical copies), never from its position in the file, and a
distinguishing name. A row flagged "Possible Duplicate" of rows present in the file is
reported and not loaded (the row it duplicates is); one whose counterpart is absent loads.
Every fact cites Epoch's dataset and the row's own Source 1..5 pages; the row's Certainty
(Confirmed, Likely, Unlikely) is the facts' confidence (high, medium, low).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

from ingest.cells import RowCells, country_code, header, is_url, names, url_source
from ingest.chipnames import ChipIndex, chip_id
from ingest.csvfile import read_csv
from ingest.curated import display_path
from ingest.parties import Parties
from ingest.records import NodeRecord, Origin, Rejection, RelRecord
from ingest.resolve import FirmIndex, slugify

Item = NodeRecord | RelRecord | Rejection

SOURCE_ID = "src:epoch-gpu-clusters"
REQUIRED = ("Name", "Status", "Certainty", "H100 equivalents", "Chip type (primary)",
            "Chip quantity (primary)", "Country", "Owner", "Users")
STATUS = {"existing": "operational", "planned": "planned", "decommissioned": "decommissioned"}
CONFIDENCE = {"confirmed": "high", "likely": "medium", "unlikely": "low"}
SOURCE_COLUMNS = tuple(f"Source {i}" for i in range(1, 6))


def source_record() -> NodeRecord:
    return NodeRecord("Source", SOURCE_ID, {
        "title": "Data on GPU Clusters", "publisher": "Epoch AI",
        "url": "https://epoch.ai/data/gpu-clusters", "published": dt.date(2025, 4, 1),
        "license": "CC BY 4.0",
    }, Origin("ingest/epoch_clusters.py"))


def is_clusters_csv(path: Path) -> bool:
    cols = header(path)
    return "Chip type (primary)" in cols and "H100 equivalents" in cols


def _ids(rows: list[tuple[int, dict[str, str]]]) -> dict[int, tuple[str, str]]:
    """line -> (id, display name). A unique name -> ``dc:epoch-<slug>``; a shared name ->
    the digest of the row's cells, ``-2``... for identical copies (order-free)."""
    count = Counter(r["Name"] for _, r in rows)
    seen: Counter[str] = Counter()
    out: dict[int, tuple[str, str]] = {}
    for line, r in rows:
        name = r["Name"]
        if count[name] == 1:
            out[line] = (f"dc:epoch-{slugify(name)}", name)
            continue
        digest = hashlib.sha1("\x1f".join(f"{k}={v}" for k, v in sorted(r.items()))
                              .encode()).hexdigest()[:8]
        seen[digest] += 1
        tag = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
        out[line] = (f"dc:epoch-{slugify(name)}-{tag}", f"{name} {tag}")
    return out


def _duplicates(rows: list[tuple[int, dict[str, str]]]) -> dict[int, list[str]]:
    """line -> the present rows it is flagged a possible duplicate of (not loaded)."""
    present = {r["Name"] for _, r in rows}
    flagged = {r["Name"]: [n for n in names(r.get("Possible Duplicate Of", ""))
                           if n in present and n != r["Name"]]
               for _, r in rows if r.get("Possible Duplicate", "").lower() == "true"}
    out: dict[int, list[str]] = {}
    for line, r in rows:
        of = [n for n in flagged.get(r["Name"], []) if not flagged.get(n)]
        if of:
            out[line] = of
    return out


def read_epoch_clusters(path: Path, firms: FirmIndex | None = None,
                        chips: ChipIndex | None = None) -> list[Item]:
    """Every record of an Epoch GPU clusters CSV; ``firms``/``chips`` resolve names."""
    firms = firms or FirmIndex()
    chips = chips or ChipIndex()
    fname = display_path(path)
    items: list[Item] = [source_record()]
    rows: list[tuple[int, dict[str, str]]] = []
    for row in read_csv(path, REQUIRED, label="DataCenter"):
        if isinstance(row, Rejection):
            items.append(row)
        elif not row[1]["Name"]:
            items.append(Rejection(Origin(fname, row[0]), "Name", "missing cluster name: "
                                   "the row is not loaded", dict(row[1]), label="DataCenter"))
        else:
            rows.append(row)
    ids, dups = _ids(rows), _duplicates(rows)
    parties = Parties(firms, [SOURCE_ID], "medium")
    new_chips: dict[str, NodeRecord] = {}
    sources: dict[str, NodeRecord] = {}
    loaded: list[tuple[RowCells, str, dict[str, Any], set[str]]] = []
    for line, r in rows:
        cell = RowCells(fname, line, r, items, "DataCenter")
        if line in dups:
            cell.warn("Possible Duplicate Of", f"cluster {r['Name']!r} is flagged a possible "
                      f"duplicate of {', '.join(dups[line])} (in this file): reported, not "
                      "loaded twice")
            continue
        status = STATUS.get(r["Status"].strip().lower())
        if status is None:
            items.append(Rejection(cell.origin, "Status", f"unknown status {r['Status']!r}: "
                                   "expected Existing, Planned or Decommissioned; the row is "
                                   "not loaded", dict(r), label="DataCenter"))
            continue
        conf = CONFIDENCE.get(r["Certainty"].strip().lower(), "medium")
        if r["Certainty"] and r["Certainty"].strip().lower() not in CONFIDENCE:
            cell.warn("Certainty", f"unknown certainty {r['Certainty']!r}: expected "
                      "Confirmed, Likely or Unlikely; confidence medium")
        row_sources = [SOURCE_ID]
        for col in SOURCE_COLUMNS:
            url = r.get(col, "").strip()
            if not url:
                continue
            if not is_url(url):
                cell.warn(col, f"expected a URL, got {url!r}; not cited")
                continue
            src = url_source(url, cell.origin)
            sources.setdefault(src.id, src)
            if src.id not in row_sources:
                row_sources.append(src.id)
        if r.get("Possible Duplicate", "").lower() == "true":
            cell.warn("Possible Duplicate Of", f"cluster {r['Name']!r} is flagged a possible "
                      "duplicate, but of no row in this file: loaded")
        dc, name = ids[line]
        prov = {"sources": row_sources, "confidence": conf}
        items.append(NodeRecord("DataCenter", dc, {
            **prov, "name": name, "status": status,
            "certainty": r["Certainty"].strip().lower() or None,
            "h100_equivalents": cell.number("H100 equivalents"),
            "power_mw": cell.number("Power Capacity (MW)"),
            "first_operational": cell.day("First Operational Date"),
            "decommissioned_on": cell.day("Decommissioned Date (if applicable)"),
            "sector": r.get("Sector") or None, "address": r.get("Location") or None,
            "description": r.get("Note") or None,
        }, cell.origin))
        country = r["Country"]
        if country:
            code = country_code(country)
            if code:
                items.append(RelRecord("LOCATED_IN", dc, code, dict(prov), cell.origin))
            else:
                cell.warn("Country", f"country {country!r} is not an ISO 3166-1 country "
                          "pycountry knows: LOCATED_IN not loaded", "LOCATED_IN")
        operators: set[str] = set()
        for owner in names(r["Owner"]):
            firm = parties.resolve(owner, cell.origin, "Owner", label="OPERATES")
            if isinstance(firm, Rejection):
                items.append(firm)
            elif firm not in operators:
                operators.add(firm)
                items.append(RelRecord("OPERATES", firm, dc, dict(prov), cell.origin))
        hosted: dict[str, float | None] = {}
        for which in ("primary", "secondary"):
            chip_name = r.get(f"Chip type ({which})", "")
            if not chip_name:
                continue
            chip = chips.resolve(chip_name)
            if chip is None:
                if chips.ambiguous(chip_name):
                    cell.warn(f"Chip type ({which})", f"chip {chip_name!r} matches several "
                              f"chips ({', '.join(chips.ambiguous(chip_name))}): HOSTS not "
                              "loaded", "HOSTS")
                    continue
                chip = chip_id(chip_name)
                # name and source only: the chip's values (and their confidence) are the
                # business of a hardware dataset, whichever of the two loads first
                new_chips.setdefault(chip, NodeRecord("Chip", chip, {
                    "name": chip_name, "sources": [SOURCE_ID]}, cell.origin))
            qty = cell.number(f"Chip quantity ({which})")
            if chip in hosted and hosted[chip] is not None and qty is not None:
                hosted[chip] = (hosted[chip] or 0) + qty
            else:
                hosted.setdefault(chip, qty)
        for chip, qty in hosted.items():
            items.append(RelRecord("HOSTS", dc, chip, {**prov, "quantity": qty}, cell.origin))
        loaded.append((cell, dc, prov, operators))
    # users after every owner is known: a user is a firm only when some source names it so
    for cell, dc, prov, operators in loaded:
        users: set[str] = set()
        for user in names(cell.row["Users"]):
            used = firms.resolve(user)
            if used is None:
                cell.warn("Users", f"user {user!r} is not a known organization (a group such "
                          "as 'Cloud' or 'Academia', or a firm no source names as such): "
                          "USES not loaded", "USES")
                continue
            if used not in operators and used not in users:  # an operator is no mere user
                users.add(used)
                items.append(RelRecord("USES", used, dc, dict(prov), cell.origin))
    return [*items[:1], *sources.values(), *parties.records(), *new_chips.values(),
            *items[1:]]
