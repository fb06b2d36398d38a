"""Importer of Epoch AI's "Machine Learning Hardware" CSV export (format ``epoch-hardware``).

One Chip per row, resolved by ``ingest.chipnames`` to the curated chip where one exists
(its name kept, Epoch's name added as an alias), else ``chip:<slug of the name>``. Values:
release date (and year), process node, die size, memory bandwidth, kind (from Type), and
``tpp`` in the units of the export rules (ECCN 3A090: TPP = 2 x MacTOPS x bit length, i.e.
tera bit-operations per second): Epoch's "Total processing performance (bit-OP/s)" / 1e12
(H100 SXM 1.5832e16 -> 15,832; A100 4,992; H20 2,368). ``performance_density`` = TPP / die
area (mm^2), only where Epoch gives the die size. A value another source already gave a
resolved chip is not overwritten: a differing one is reported.

DESIGNS from Manufacturer ("Moore Threads (Tencent)" is Moore Threads), FABRICATES from each
Foundry ("SMIC,TSMC"). Every fact cites Epoch's dataset and the row's datasheet link.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

from graph.schema import parse_date
from ingest.cells import RowCells, header, is_url, name_and_abbreviation, names, url_source
from ingest.chipnames import ChipIndex, chip_id
from ingest.csvfile import read_csv
from ingest.curated import display_path
from ingest.parties import Parties
from ingest.records import NodeRecord, Origin, Rejection, RelRecord
from ingest.resolve import FirmIndex

Item = NodeRecord | RelRecord | Rejection

SOURCE_ID = "src:epoch-ml-hardware"
TPP_COLUMN = "Total processing performance (bit-OP/s)"
REQUIRED = ("Hardware name", "Manufacturer", "Type", "Release date", "Process size (nm)",
            "Die Size (mm^2)", "Foundry", "Memory bandwidth (byte/s)", TPP_COLUMN)
#: Epoch's Type -> the schema's chip kind (blank or unknown types leave kind empty)
KIND = {"gpu": "gpu", "gpgpu": "gpu", "dcu (gpgpu)": "gpu", "tpu": "accelerator",
        "npu": "accelerator", "asic": "accelerator", "lpu": "accelerator",
        "xpu": "accelerator", "xpu-r": "accelerator", "other": "accelerator",
        "hybrid cpu": "cpu"}
#: bit-OP/s per unit of TPP (the export rules count tera operations x bit length)
TPP_UNIT = 1e12


def source_record() -> NodeRecord:
    return NodeRecord("Source", SOURCE_ID, {
        "title": "Data on Machine Learning Hardware", "publisher": "Epoch AI",
        "url": "https://epoch.ai/data/machine-learning-hardware",
        "published": dt.date(2024, 10, 1), "license": "CC BY 4.0",
    }, Origin("ingest/epoch_hardware.py"))


def is_hardware_csv(path: Path) -> bool:
    cols = header(path)
    return "Hardware name" in cols and TPP_COLUMN in cols


def tpp(bit_ops: float | None) -> float | None:
    """TPP in the export rules' units from Epoch's bit-OP/s (rounded to 0.1)."""
    return None if bit_ops is None else round(bit_ops / TPP_UNIT, 1)


def _same(old: Any, new: Any) -> bool:
    if isinstance(new, float) and isinstance(old, (int, float)):
        return math.isclose(float(old), new, rel_tol=1e-6)
    if isinstance(new, dt.date):
        try:
            return parse_date(old) == new
        except ValueError:
            return False
    return bool(old == new)


def read_epoch_hardware(path: Path, firms: FirmIndex | None = None,
                        chips: ChipIndex | None = None) -> list[Item]:
    """Every record of an Epoch ML hardware CSV; ``firms``/``chips`` resolve names."""
    firms = firms or FirmIndex()
    chips = chips or ChipIndex()
    fname = display_path(path)
    items: list[Item] = [source_record()]
    parties = Parties(firms, [SOURCE_ID], "medium")
    sources: dict[str, NodeRecord] = {}
    claimed: dict[str, int] = {}  # known chip id -> the line that resolved to it
    for row in read_csv(path, REQUIRED, label="Chip"):
        if isinstance(row, Rejection):
            items.append(row)
            continue
        line, r = row
        cell = RowCells(fname, line, r, items, "Chip")
        name = r["Hardware name"]
        if not name:
            items.append(Rejection(cell.origin, "Hardware name", "missing hardware name: the "
                                   "row is not loaded", dict(r), label="Chip"))
            continue
        row_sources = [SOURCE_ID]
        link = r.get("Link to datasheet", "").strip()
        if link and is_url(link):
            src = url_source(link, cell.origin)
            sources.setdefault(src.id, src)
            row_sources.append(src.id)
        chip = chips.resolve(name)
        if chip is not None and chip in claimed:
            cell.warn("Hardware name", f"{name!r} resolves to {chip}, which line "
                      f"{claimed[chip]} already matched: loaded as its own chip")
            chip = None
        elif chip is None and chips.ambiguous(name):
            cell.warn("Hardware name", f"{name!r} matches several chips "
                      f"({', '.join(chips.ambiguous(name))}): loaded as its own chip")
        released = cell.day("Release date")
        bit_ops = cell.number(TPP_COLUMN)
        die = cell.number("Die Size (mm^2)")
        value = tpp(bit_ops)
        values: dict[str, Any] = {
            "kind": KIND.get(r["Type"].strip().lower()),
            "release_date": released, "release_year": released.year if released else None,
            "process_node_nm": cell.number("Process size (nm)"), "die_size_mm2": die,
            "memory_bandwidth": cell.number("Memory bandwidth (byte/s)"), "tpp": value,
            "performance_density": round(value / die, 3) if value is not None and die else None,
        }
        values = {k: v for k, v in values.items() if v is not None}
        props: dict[str, Any] = {"sources": row_sources}
        if chip is None:
            chip = chip_id(name)
            props.update(name=name, confidence="high", **values)
        else:
            claimed[chip] = line
            known = chips.values.get(chip, {})
            props["name"] = chips.names[chip]
            if name != chips.names[chip]:
                props["aliases"] = [name]
            for k, v in values.items():
                if known.get(k) is not None and not _same(known[k], v):
                    cell.warn(_column(k), f"{chip} already holds {k} = {known[k]} from "
                              f"another source; Epoch gives {v}: the other value is kept")
                else:
                    props[k] = v
        items.append(NodeRecord("Chip", chip, props, cell.origin))
        prov = {"sources": row_sources, "confidence": "high"}
        maker = r["Manufacturer"]
        if maker:
            short, _ = name_and_abbreviation(maker)
            known_firm = firms.resolve(maker) or firms.resolve(short)
            firm = known_firm or parties.resolve(short, cell.origin, "Manufacturer",
                                                 label="DESIGNS")
            if isinstance(firm, Rejection):
                items.append(firm)
            else:
                items.append(RelRecord("DESIGNS", firm, chip, dict(prov), cell.origin))
        else:
            cell.warn("Manufacturer", f"no manufacturer for {name!r}: DESIGNS not loaded",
                      "DESIGNS")
        for foundry in names(r["Foundry"]):
            firm = parties.resolve(foundry, cell.origin, "Foundry", label="FABRICATES")
            if isinstance(firm, Rejection):
                items.append(firm)
            else:
                items.append(RelRecord("FABRICATES", firm, chip, dict(prov), cell.origin))
    return [*items[:1], *sources.values(), *parties.records(), *items[1:]]


def _column(prop: str) -> str:
    return {"tpp": TPP_COLUMN, "die_size_mm2": "Die Size (mm^2)",
            "process_node_nm": "Process size (nm)", "release_date": "Release date",
            "release_year": "Release date", "memory_bandwidth": "Memory bandwidth (byte/s)",
            "kind": "Type", "performance_density": "Die Size (mm^2)"}.get(prop, prop)
