"""Importer of Epoch AI's "Notable AI Models" CSV export.

Each row -> a Model ``model:epoch-<slug of its name>`` with release_date, parameters,
training_compute_flop, domain, accessibility and open_weights (from "Model
accessibility": "Open weights (...)" -> true; "Unreleased", "API access", "Hosted access"
-> false; blank -> unknown). Each organization of the comma-separated "Organization" list
-> DEVELOPS, from the firm it resolves to by name or alias, else from a new Firm
``firm:<slug>`` headquartered in its country.

The country of a new organization comes from "Country (from Organization)", which Epoch
writes as one list per row that is *not* aligned with the organizations when an
organization has several countries ("Microsoft Research" -> USA, GBR). So an organization's
country is taken from the rows where it can be read without guessing (a single
organization, or lists of equal length) and used only when all of them agree, ignoring
"Multinational"; otherwise its HEADQUARTERED_IN is reported, not invented. Messy values
(blank, non-numeric) are reported by the validator with their line and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

from ingest.countries import iso3
from ingest.csvfile import read_csv
from ingest.curated import display_path
from ingest.records import NodeRecord, Origin, Rejection, RelRecord
from ingest.resolve import FirmIndex, normalize, slugify

Item = NodeRecord | RelRecord | Rejection

SOURCE_ID = "src:epoch-notable-ai-models"
COUNTRY_COL = "Country (from Organization)"
REQUIRED = ("Model", "Organization", COUNTRY_COL, "Publication date")
NOT_COUNTRIES = frozenset({"multinational", ""})


def source_record() -> NodeRecord:
    return NodeRecord("Source", SOURCE_ID, {
        "title": "Data on Notable AI Models", "publisher": "Epoch AI",
        "published": dt.date(2025, 2, 24), "url": "https://epoch.ai/data/notable-ai-models",
        "license": "CC BY 4.0",
    }, Origin("ingest/epoch.py"))


def is_epoch_csv(path: Path) -> bool:
    """A CSV whose header has an "Organization" column (Epoch's export)."""
    if not (path.is_file() and path.suffix.lower() == ".csv"):
        return False
    try:
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            header = next(csv.reader(fh), [])
    except OSError:
        return False
    return "Organization" in [h.strip() for h in header]


def split_list(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def open_weights(accessibility: str) -> bool | None:
    a = accessibility.strip().lower()
    if not a:
        return None
    return a.startswith("open weights")


def _org_countries(rows: list[tuple[int, dict[str, str]]]) -> dict[str, set[str]]:
    """Normalised organization -> the countries the rows give it (read without guessing)."""
    seen: dict[str, set[str]] = {}
    for _, r in rows:
        orgs, countries = split_list(r["Organization"]), split_list(r[COUNTRY_COL])
        if len(orgs) == 1:
            pairs = [(orgs[0], c) for c in countries]
        elif len(orgs) == len(countries):
            pairs = list(zip(orgs, countries, strict=True))
        else:
            continue
        for org, country in pairs:
            seen.setdefault(normalize(org), set()).add(country)
    return seen


def read_epoch(path: Path, firms: FirmIndex | None = None) -> list[Item]:
    """Every record of an Epoch CSV export; ``firms`` resolves organizations to firms."""
    firms = firms or FirmIndex()
    fname = display_path(path)
    items: list[Item] = [source_record()]
    rows: list[tuple[int, dict[str, str]]] = []
    for row in read_csv(path, REQUIRED, label="Model"):
        if isinstance(row, Rejection):
            items.append(row)
        else:
            rows.append(row)
    countries = _org_countries(rows)
    new_firms: dict[str, tuple[str, int]] = {}  # firm id -> (name, first line)
    prov = {"sources": [SOURCE_ID], "confidence": "high"}
    model_names: dict[str, str] = {}
    for line, r in rows:
        origin = Origin(fname, line)
        name = r["Model"]
        if not name:
            items.append(Rejection(origin, "Model", "missing model name", dict(r),
                                   label="Model"))
            continue
        model_id = f"model:epoch-{slugify(name)}"
        if model_names.setdefault(model_id, name) != name:  # two names, one slug
            model_id += "-" + hashlib.sha1(name.encode()).hexdigest()[:6]
        items.append(NodeRecord("Model", model_id, {
            **prov, "name": name, "release_date": r["Publication date"],
            "parameters": r.get("Parameters"),
            "training_compute_flop": r.get("Training compute (FLOP)"),
            "domain": r.get("Domain"), "accessibility": r.get("Model accessibility"),
            "open_weights": open_weights(r.get("Model accessibility", "")),
        }, origin))
        orgs = split_list(r["Organization"])
        if not orgs:
            items.append(Rejection(origin, "Organization", f"model {name!r} names no "
                                   "organization: no DEVELOPS is loaded for it", dict(r),
                                   label="DEVELOPS", severity="warning"))
        done: set[str] = set()
        for org in orgs:
            firm_id = firms.resolve(org)
            if firm_id is None:
                ambiguous = firms.ambiguous(org)
                if ambiguous:
                    items.append(Rejection(origin, "Organization", f"organization {org!r} "
                                           f"matches several firms ({', '.join(ambiguous)})",
                                           dict(r), label="DEVELOPS"))
                    continue
                firm_id = f"firm:{slugify(org)}"
                if firm_id not in firms.ids:
                    firms.add(firm_id, [org])
                    new_firms[firm_id] = (org, line)
            if firm_id in done:
                continue
            done.add(firm_id)
            items.append(RelRecord("DEVELOPS", firm_id, model_id, dict(prov), origin))
    for firm_id, (org, line) in new_firms.items():
        origin = Origin(fname, line)
        items.append(NodeRecord("Firm", firm_id, {**prov, "name": org}, origin))
        found = {c for c in countries.get(normalize(org), set())
                 if c.lower() not in NOT_COUNTRIES}
        codes = {iso3(c) for c in found}
        if len(found) == 1 and None not in codes:
            items.append(RelRecord("HEADQUARTERED_IN", firm_id, codes.pop() or "",
                                   {"sources": [SOURCE_ID], "confidence": "medium"}, origin))
        else:
            why = (f"countries {', '.join(sorted(found))} disagree" if len(found) > 1 else
                   f"country {next(iter(found))!r} is not an ISO 3166-1 country" if found else
                   "no country can be read for it")
            items.append(Rejection(origin, COUNTRY_COL, f"headquarters of organization {org!r} "
                                   f"not loaded: {why}", {"organization": org},
                                   label="HEADQUARTERED_IN"))
    return items

