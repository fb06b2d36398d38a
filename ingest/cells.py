"""Reading the messy cells of publishers' CSV exports, shared by the dataset importers.

Blank cells mean "not reported" (None, never 0); numbers may come as floats in text
("5e+19", "1,200.0"); dates may be US-style ("1/31/2024") or ISO ("2024-01-31", "2021-07");
several names may share one cell ("OpenAI,Microsoft"); party names may carry a certainty tag
("Amazon #confident"). Each reader raises ``ValueError`` with what was expected, which the
importer turns into a rejection naming the file, line and column.

Also the two kinds of Source a dataset row cites: the dataset itself, and the web pages
the row names (one Source per URL, its id derived from the URL, so the same page cited by
many rows is one node).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pycountry

from graph.schema import parse_date
from ingest.records import NodeRecord, Origin, Rejection, RelRecord
from ingest.resolve import LEGAL_SUFFIXES

Item = NodeRecord | RelRecord | Rejection

#: certainty tags of Epoch AI's frontier data centers -> the facts' confidence
TAG_CONFIDENCE = {"confident": "high", "likely": "medium", "speculative": "low"}


def number(text: str | None) -> float | None:
    """A number from a cell: blank -> None; '5e+19', '1,200.0', ' 341 ' -> float."""
    cell = (text or "").strip().replace(",", "").replace("\u00a0", "")
    if not cell:
        return None
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(f"expected a number, got {text!r}") from None
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"expected a finite number, got {text!r}")
    return value


def day(text: str | None) -> dt.date | None:
    """A date from a cell: blank -> None; US '1/31/2024' or ISO '2024-01-31' / '2021-07'
    (a partial ISO date is its first day)."""
    cell = (text or "").strip()
    if not cell:
        return None
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", cell)
    if m:
        try:
            return dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
        except ValueError:
            raise ValueError(f"expected a US date M/D/YYYY, got {text!r}") from None
    try:
        return parse_date(cell[:10] if re.match(r"\d{4}-\d{2}-\d{2}[ T]", cell) else cell)
    except ValueError:
        raise ValueError(f"expected a date (M/D/YYYY or YYYY-MM-DD), got {text!r}") from None


def names(text: str | None) -> list[str]:
    """The names of a comma-separated cell, blanks dropped, order and first spelling kept."""
    out: list[str] = []
    for part in (text or "").split(","):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


def tagged(text: str) -> tuple[str, str | None]:
    """'Amazon #confident' -> ('Amazon', 'high'); an untagged name -> (name, None)."""
    m = re.fullmatch(r"(.*?)\s*#(\w+)\s*", text)
    if m and m.group(2).lower() in TAG_CONFIDENCE:
        return m.group(1).strip(), TAG_CONFIDENCE[m.group(2).lower()]
    return text.strip(), None


def name_and_abbreviation(text: str) -> tuple[str, list[str]]:
    """'China Aerospace Science and Industry Corporation Limited (CASIC)' ->
    (the name, ['CASIC']): a trailing parenthesis is an alias, not part of the name."""
    m = re.fullmatch(r"(.+?)\s*[(\[]([^()\[\]]+)[)\]]\s*\*?", text.strip())
    if m and m.group(1).strip():
        inner = m.group(2).strip()
        if inner.casefold() in LEGAL_SUFFIXES:  # "Group (Limited)": part of the name
            return f"{m.group(1).strip()} {inner}", []
        return m.group(1).strip(), [inner]
    return text.strip().rstrip("*").strip(), []


@cache
def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-3 code of a country name or code, through pycountry only:
    its lookup (names, official and common names, codes); Epoch's 'Korea (Republic of)'
    read as ISO's 'Korea, Republic of'; a trailing '(the)' dropped; then pycountry's fuzzy
    search when it names exactly one country. None when pycountry cannot tell."""
    text = (name or "").strip()
    if not text:
        return None
    tries = [text]
    m = re.fullmatch(r"(.+?)\s*\((.+)\)", text)
    if m:
        tries += [f"{m.group(1)}, {m.group(2)}", m.group(1)]
    for t in tries:
        try:
            return str(pycountry.countries.lookup(t).alpha_3)
        except LookupError:
            continue
    try:
        found = {c.alpha_3 for c in pycountry.countries.search_fuzzy(text)}
    except LookupError:
        return None
    return str(found.pop()) if len(found) == 1 else None


def url_source(url: str, origin: Origin) -> NodeRecord:
    """A Source node for a web page a dataset row cites: id from the URL's digest, the URL
    as title (the page itself was not read), the site as publisher."""
    url = url.strip()
    digest = hashlib.sha1(url.encode()).hexdigest()[:12]
    host = urlparse(url).netloc or url
    return NodeRecord("Source", f"src:web-{digest}", {
        "title": url, "publisher": host, "url": url,
    }, origin)


def is_url(text: str) -> bool:
    return bool(re.match(r"https?://\S+$", text.strip()))


def props_without_blanks(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if v is not None and v != "" and v != []}


def header(path: Path) -> list[str]:
    """The header row of a CSV file (empty when unreadable)."""
    if not (path.is_file() and path.suffix.lower() == ".csv"):
        return []
    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
            return [h.strip() for h in next(csv.reader(fh), [])]
    except OSError:
        return []


class RowCells:
    """Cell readers for one row of a dataset: a bad cell is reported as a warning naming
    the file, line and column, and left out (None); the row itself still loads."""

    def __init__(self, fname: str, line: int, row: dict[str, str], items: list[Item],
                 label: str) -> None:
        self.origin = Origin(fname, line)
        self.row, self.items, self.label = row, items, label

    def number(self, col: str) -> float | None:
        try:
            return number(self.row.get(col))
        except ValueError as exc:
            self.warn(col, f"{exc}; the value is left out")
            return None

    def day(self, col: str) -> dt.date | None:
        try:
            return day(self.row.get(col))
        except ValueError as exc:
            self.warn(col, f"{exc}; the value is left out")
            return None

    def warn(self, col: str, message: str, label: str | None = None) -> None:
        self.items.append(Rejection(self.origin, col, message, dict(self.row),
                                    label=label or self.label, severity="warning"))
