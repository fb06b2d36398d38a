"""Country nodes: every ISO 3166-1 country from pycountry, with the US EAR country groups
of ``data/countries/bis_country_groups.yaml``.

Countries are not typed by hand (data/README.md): reading the country-groups file yields
its Source nodes and one Country per ISO 3166-1 entry, citing that file's sources, with
``bis_country_groups`` and ``bis_as_of``. Also the name-to-ISO3 lookup the dataset
importers use (ETO and Epoch write countries by code or by long name).

Membership changes: ``groups`` is the table as read on ``as_of``; a ``changes`` entry
``{country, group, since, until, sources, confidence, note}`` says that the country was in
the group only between ``since`` and ``until`` (either end open). A country named by a
change gets its groups as a history (DESIGN.md section 4: one entry per period, each with
the groups of that period), so ``as_of`` sees the groups of that day.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from typing import Any

import pycountry
import yaml

from graph.schema import parse_date
from ingest.records import NodeRecord, Origin, Rejection, RelRecord
from ingest.validate import file_rejection
from ingest.yamldoc import YamlDoc

#: names in common use that pycountry does not carry
EXTRA_ALIASES: dict[str, list[str]] = {
    "USA": ["USA", "US", "U.S.", "United States of America", "America"],
    "GBR": ["UK", "Great Britain", "Britain"],
    "KOR": ["Korea", "Republic of Korea", "Korea (Republic of)"],
    "PRK": ["DPRK"],
    "RUS": ["Russia"],
    "CHN": ["PRC", "People's Republic of China", "Mainland China"],
    "TWN": ["Republic of China", "Chinese Taipei"],
    "IRN": ["Iran (Islamic Republic of)"],
    "ARE": ["UAE", "Emirates"],
    "NLD": ["Holland", "The Netherlands"],
    "CZE": ["Czech Republic"],
    "TUR": ["Turkey"],
    "VNM": ["Vietnam"],
    "MAC": ["Macau"],
}


def country_name(c: object) -> str:
    """The short name people use: pycountry's common name where it has one."""
    return str(getattr(c, "common_name", None) or c.name)  # type: ignore[attr-defined]


def country_aliases(c: object) -> list[str]:
    name = country_name(c)
    out: list[str] = []
    for alias in (getattr(c, "name", None), getattr(c, "official_name", None),
                  getattr(c, "common_name", None), *EXTRA_ALIASES.get(c.alpha_3, [])):  # type: ignore[attr-defined]
        if alias and alias != name and alias not in out:
            out.append(alias)
    return out


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@cache
def _name_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for c in pycountry.countries:
        for n in (c.alpha_3, c.alpha_2, country_name(c), *country_aliases(c)):
            index.setdefault(_norm(n), c.alpha_3)
    return index


def iso3(text: str) -> str | None:
    """ISO 3166-1 alpha-3 code of a country code or name, or None when it is not one."""
    text = (text or "").strip()
    if not text:
        return None
    if re.fullmatch(r"[A-Z]{3}", text):
        return text if pycountry.countries.get(alpha_3=text) else None
    return _name_index().get(_norm(text))


def read_country_groups(doc: YamlDoc) -> Iterator[NodeRecord | RelRecord | Rejection]:
    """Sources of the country-groups file, then every ISO country with its groups."""
    data = doc.data
    sources = data.get("sources") or []
    source_ids: list[str] = []
    src_node = doc.section("sources")
    for i, s in enumerate(sources):
        line = (int(src_node.value[i].start_mark.line) + 1
                if isinstance(src_node, yaml.SequenceNode) else None)
        if not isinstance(s, dict):
            yield file_rejection(Origin(doc.file, line), "a source is not a mapping")
            continue
        s = dict(s)
        sid = s.pop("id", None)
        if isinstance(sid, str):
            source_ids.append(sid)
        yield NodeRecord("Source", sid, s, Origin(doc.file, line))
    try:
        as_of = parse_date(data.get("as_of"))
    except ValueError as exc:
        yield file_rejection(Origin(doc.file, doc.key_line("as_of")), f"as_of: {exc}", "as_of")
        return
    members: dict[str, list[str]] = {}
    groups = data.get("groups") or {}
    groups_node = doc.section("groups")
    lines: dict[str, int] = {}
    if isinstance(groups_node, yaml.MappingNode):
        lines = {str(k.value): int(k.start_mark.line) + 1 for k, _ in groups_node.value}
    for group, codes in groups.items():
        origin = Origin(doc.file, lines.get(str(group)))
        if not isinstance(codes, list):
            yield file_rejection(origin, f"group {group}: expected a list of ISO3 codes",
                                 "groups")
            continue
        for code in codes:
            if not isinstance(code, str) or pycountry.countries.get(alpha_3=code) is None:
                yield Rejection(origin, "groups", f"group {group}: {code!r} is not an ISO "
                                "3166-1 alpha-3 country code", {"group": str(group),
                                                                "code": str(code)},
                                label="Country")
                continue
            members.setdefault(code, [])
            if group not in members[code]:
                members[code].append(str(group))
    confidence = data.get("confidence", "medium")
    changes: dict[str, list[dict[str, Any]]] = {}
    for item in _changes(doc):
        if isinstance(item, Rejection):
            yield item
            continue
        changes.setdefault(item["country"], []).append(item)
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        value: list[str] | list[dict[str, Any]] = sorted(members.get(c.alpha_3, []))
        if c.alpha_3 in changes:
            value = _history(members.get(c.alpha_3, []), changes[c.alpha_3])
        props = {
            "name": country_name(c), "aliases": country_aliases(c), "iso2": c.alpha_2,
            "iso3": c.alpha_3, "bis_country_groups": value,
            "bis_as_of": as_of, "sources": source_ids, "confidence": confidence,
        }
        yield NodeRecord("Country", c.alpha_3, props, Origin(doc.file, lines.get("groups")))


CHANGE_KEYS = frozenset({"country", "group", "since", "until", "sources", "confidence", "note"})


def _changes(doc: YamlDoc) -> Iterator[dict[str, Any] | Rejection]:
    """The ``changes`` entries, checked: an ISO3 country, a group, dates, sources."""
    raw = doc.data.get("changes") or []
    node = doc.section("changes")
    if not isinstance(raw, list):
        yield file_rejection(Origin(doc.file, doc.key_line("changes")),
                             "changes: expected a list of {country, group, since, until, "
                             "sources, confidence}", "changes")
        return
    for i, entry in enumerate(raw):
        line = (int(node.value[i].start_mark.line) + 1
                if isinstance(node, yaml.SequenceNode) else None)
        origin = Origin(doc.file, line)
        problem = _change_problem(entry)
        if problem:
            yield Rejection(origin, "changes", problem,
                            entry if isinstance(entry, dict) else {"entry": str(entry)},
                            label="Country")
            continue
        out = dict(entry)
        for key in ("since", "until"):
            if out.get(key) is not None:
                out[key] = parse_date(out[key], end=key == "until")
        yield out


def _change_problem(entry: object) -> str | None:
    if not isinstance(entry, dict):
        return "a change is not a mapping: expected {country, group, since, until, sources}"
    unknown = sorted(set(map(str, entry)) - CHANGE_KEYS)
    if unknown:
        return f"unknown key {unknown[0]!r}: expected {', '.join(sorted(CHANGE_KEYS))}"
    code = entry.get("country")
    if not isinstance(code, str) or pycountry.countries.get(alpha_3=code) is None:
        return f"country {code!r} is not an ISO 3166-1 alpha-3 country code"
    if not entry.get("group"):
        return "missing group"
    if not entry.get("sources"):
        return "missing sources: a change names the Source ids that date it"
    for key in ("since", "until"):
        if entry.get(key) is not None:
            try:
                parse_date(entry[key], end=key == "until")
            except ValueError:
                return f"{key}: expected a date YYYY-MM-DD, YYYY-MM or YYYY, got {entry[key]!r}"
    return None


def _history(table: list[str], changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One history entry per period between the changes' dates, each with the groups of
    that period: the table's groups that no change dates, plus the dated groups in force."""
    dated = {str(ch["group"]) for ch in changes}
    fixed = sorted(g for g in table if g not in dated)
    cuts = sorted({ch["since"] for ch in changes if ch.get("since")}
                  | {ch["until"] + dt.timedelta(days=1) for ch in changes if ch.get("until")})
    starts: list[dt.date | None] = [None, *cuts]
    out: list[dict[str, Any]] = []
    for i, start in enumerate(starts):
        end = cuts[i] - dt.timedelta(days=1) if i < len(cuts) else None
        day = start or (end if end is not None else dt.date.today())
        active = [ch for ch in changes
                  if (ch.get("since") is None or ch["since"] <= day)
                  and (ch.get("until") is None or day <= ch["until"])]
        entry: dict[str, Any] = {"value": sorted({*fixed, *(str(ch["group"]) for ch in active)})}
        if start is not None:
            entry["since"] = start
        if end is not None:
            entry["until"] = end
        # the changes that bound or fill this period are its sources
        why = [ch for ch in changes if ch in active
               or (start is not None and ch.get("until") is not None
                   and ch["until"] + dt.timedelta(days=1) == start)
               or (end is not None and ch.get("since") is not None
                   and ch["since"] == end + dt.timedelta(days=1))] or changes
        entry["sources"] = sorted({str(s) for ch in why for s in ch["sources"]})
        entry["confidence"] = min((str(ch.get("confidence", "medium")) for ch in why),
                                  key=["low", "medium", "high"].index)
        notes = [str(ch["note"]) for ch in why if ch.get("note")]
        if notes:
            entry["note"] = "; ".join(notes)
        out.append(entry)
    return out
