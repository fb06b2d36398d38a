"""Importer of Epoch AI's "AI chip counts" CSV export folder (format ``epoch-chip-counts``).

Estimates of accelerators shipped, each with a 5th percentile, median and 95th percentile,
become dated quantities (the team's dated-values contract, DESIGN.md section 4):

* per chip and calendar quarter (``nvidia_calendar_quarter_chip_timelines.csv``,
  ``tpu_calendar_quarter_chip_timelines.csv``, ``amd_chip_timelines.csv``,
  ``trainium_chip_timelines.csv``): ``units_shipped`` / ``_p5`` / ``_p95`` on the Chip, one
  entry per quarter with ``since`` / ``until`` = the quarter's Start / End date;
* per chip, cumulative (``*_cumulative_by_chip.csv``): ``units_cumulative`` / ``_p5`` /
  ``_p95``, one entry per estimate, in force from its End date to the day before the next
  one (the count from the Start date, named in the entry's note, through that day);
* per vendor, cumulative (``*_cumulative_totals.csv``): ``ai_chips_cumulative`` / ``_p5`` /
  ``_p95`` on the vendor's Firm, the same way.

The fiscal-quarter files re-cut the same estimates by fiscal quarter: periods that overlap
the calendar ones would hold two values on one day, so they are not loaded. Dates are
US-style (``1/31/2024``). A chip is named "<Chip manufacturer> <Chip type>" ("Google TPU
v4i") and resolved by ``ingest.chipnames`` (to the curated or ML-hardware chip), else made.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ingest.cells import RowCells, header
from ingest.chipnames import ChipIndex, chip_id
from ingest.csvfile import read_csv
from ingest.curated import display_path
from ingest.parties import Parties
from ingest.records import NodeRecord, Origin, Rejection, RelRecord
from ingest.resolve import FirmIndex

Item = NodeRecord | RelRecord | Rejection

SOURCE_ID = "src:epoch-ai-chip-counts"
QUARTERLY = ("nvidia_calendar_quarter_chip_timelines.csv",
             "tpu_calendar_quarter_chip_timelines.csv", "amd_chip_timelines.csv",
             "trainium_chip_timelines.csv")
REQUIRED = ("Chip manufacturer", "Start date", "End date")
#: the estimate columns, in the order 5th percentile, median, 95th percentile
QUARTER_COLS = ("Number of Units (5th percentile)", "Number of Units",
                "Number of Units (95th percentile)")
CUMULATIVE_COLS = ("Number of units (5th percentile)", "Number of units (median)",
                   "Number of units (95th percentile)")


def source_record() -> NodeRecord:
    return NodeRecord("Source", SOURCE_ID, {
        "title": "AI chip counts (csv_export)", "publisher": "Epoch AI",
        "published": dt.date(2026, 4, 22), "license": "MIT",
    }, Origin("ingest/epoch_chip_counts.py"))


def is_chip_counts_dir(path: Path) -> bool:
    return path.is_dir() and any(path.glob("*_cumulative_by_chip.csv"))


def _series(points: list[tuple[dt.date, dt.date, tuple[float, float, float], str]],
            stem: str, cumulative: bool, prov: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Points -> the three histories ``stem_p5``, ``stem``, ``stem_p95``."""
    out: dict[str, list[dict[str, Any]]] = {f"{stem}_p5": [], stem: [], f"{stem}_p95": []}
    points = sorted(points, key=lambda p: (p[1] if cumulative else p[0]))
    for i, (start, end, values, note) in enumerate(points):
        if cumulative:
            since = end
            until = points[i + 1][1] - dt.timedelta(days=1) if i + 1 < len(points) else None
            text = f"cumulative from {start.isoformat()}; {note}".strip("; ")
        else:
            since, until, text = start, end, note
        for prop, value in zip(out, values, strict=True):
            entry: dict[str, Any] = {"value": value, "since": since, "sources": list(prov),
                                     "confidence": "medium", "note": text or None}
            if until is not None:
                entry["until"] = until
            out[prop].append(entry)
    return out


def read_epoch_chip_counts(path: Path, firms: FirmIndex | None = None,
                           chips: ChipIndex | None = None) -> list[Item]:
    """Every record of an Epoch AI chip counts folder; ``firms``/``chips`` resolve names."""
    firms = firms or FirmIndex()
    chips = chips or ChipIndex()
    folder = path if path.is_dir() else path.parent
    items: list[Item] = [source_record()]
    parties = Parties(firms, [SOURCE_ID], "medium")
    prov = [SOURCE_ID]
    chip_points: dict[str, dict[str, list[Any]]] = {}
    chip_names: dict[str, tuple[str, Origin]] = {}
    firm_points: dict[str, list[Any]] = {}

    def points_of(file: Path, cols: tuple[str, str, str], by_chip: bool
                  ) -> list[tuple[str, tuple[dt.date, dt.date, tuple[float, float, float], str]]]:
        out = []
        fname = display_path(file)
        required = (*REQUIRED, *cols, *(("Chip type",) if by_chip else ()))
        for row in read_csv(file, required, label="Chip" if by_chip else "Firm"):
            if isinstance(row, Rejection):
                items.append(row)
                continue
            line, r = row
            cell = RowCells(fname, line, r, items, "Chip" if by_chip else "Firm")
            start, end = cell.day("Start date"), cell.day("End date")
            read = [cell.number(c) for c in cols]
            values = [v for v in read if v is not None]
            if start is None or end is None or len(values) < 3:
                items.append(Rejection(cell.origin, "Start date" if start is None else
                                       "End date" if end is None else cols[read.index(None)],
                                       "expected a start date, an end date and three "
                                       "estimates: the row is not loaded", dict(r),
                                       label="Chip" if by_chip else "Firm"))
                continue
            maker = r["Chip manufacturer"]
            key = f"{maker} {r['Chip type']}" if by_chip else maker
            note = r.get("Notes", "")
            out.append((key, (start, end, (values[0], values[1], values[2]), note)))
            if by_chip:
                chip_names.setdefault(key, (r["Chip type"], cell.origin))
            elif key not in firm_points:
                firm = parties.resolve(maker, cell.origin, "Chip manufacturer", label="Firm")
                if isinstance(firm, Rejection):
                    items.append(firm)
                    continue
                firm_points[key] = [firm, cell.origin]
        return out

    for name in QUARTERLY:
        if (folder / name).is_file():
            for key, point in points_of(folder / name, QUARTER_COLS, True):
                chip_points.setdefault(key, {}).setdefault("units_shipped", []).append(point)
    for file in sorted(folder.glob("*_cumulative_by_chip.csv")):
        for key, point in points_of(file, _cumulative_cols(file), True):
            chip_points.setdefault(key, {}).setdefault("units_cumulative", []).append(point)
    totals: dict[str, list[Any]] = {}
    for file in sorted(folder.glob("*_cumulative_totals.csv")):
        for key, point in points_of(file, _cumulative_cols(file), False):
            totals.setdefault(key, []).append(point)
    new_chips: list[Item] = []
    for key, series in chip_points.items():
        short, origin = chip_names[key]
        chip = chips.resolve(key) or chips.resolve(short)
        props: dict[str, Any] = {"sources": prov}
        if chip is None:
            chip = chip_id(key)
            props["name"] = key
        else:
            props["name"] = chips.names[chip]
        for stem, pts in series.items():
            props.update(_series(pts, stem, stem == "units_cumulative", prov))
        new_chips.append(NodeRecord("Chip", chip, props, origin))
    for maker, pts in totals.items():
        if maker not in firm_points:
            continue
        firm, origin = firm_points[maker]
        props = {"name": parties.firms_name(firm, firms_display(firms, firm, maker)),
                 "sources": prov, **_series(pts, "ai_chips_cumulative", True, prov)}
        items.append(NodeRecord("Firm", firm, props, origin))
    return [*items[:1], *parties.records(), *new_chips, *items[1:]]


def _cumulative_cols(file: Path) -> tuple[str, str, str]:
    """The estimate columns of a cumulative file: most write "Number of units (median)",
    the Trainium files "Number of Units" as in the quarterly ones."""
    return QUARTER_COLS if QUARTER_COLS[1] in header(file) else CUMULATIVE_COLS


def firms_display(firms: FirmIndex, firm: str, fallback: str) -> str:
    """The name a known firm is stored under, for a record that only adds values to it."""
    return firms.name_of(firm) or fallback
