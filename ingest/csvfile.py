"""CSV rows with the line each starts on, and every defect reported instead of raised.

Bytes that are not UTF-8 reject their line (the rest of the file reads on); a row with the
wrong number of columns is rejected with its line; a CSV syntax error stops the file at
that line. Quoted fields may span lines: a row's line is the line it starts on.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from ingest.curated import display_path
from ingest.records import Origin, Rejection
from ingest.validate import file_rejection

Row = tuple[int, dict[str, str]]


def read_csv(path: Path, required: tuple[str, ...] = (),
             label: str | None = None) -> Iterator[Row | Rejection]:
    """Yield (line, row as a dict) or a Rejection for each defect, with file and line."""
    name = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield file_rejection(Origin(name), f"cannot read the file: {exc.strerror}")
        return
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    lines: list[tuple[int, str]] = []
    for no, chunk in enumerate(raw.splitlines(keepends=True), start=1):
        try:
            lines.append((no, chunk.decode("utf-8")))
        except UnicodeDecodeError as exc:
            yield Rejection(Origin(name, no), "encoding",
                            f"bad encoding: byte 0x{chunk[exc.start]:02x} is not UTF-8; "
                            "expected a UTF-8 text file (this line is skipped)", label=label)
    pulled = 0

    def feed() -> Iterator[str]:
        nonlocal pulled
        for _, text in lines:
            pulled += 1
            yield text

    reader = csv.reader(feed())
    header: list[str] | None = None
    while True:
        start = lines[pulled][0] if pulled < len(lines) else (lines[-1][0] + 1 if lines else 1)
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield Rejection(Origin(name, start), "row", f"malformed CSV: {exc}; the rest of "
                            "the file is not read", label=label)
            return
        if header is None:
            header = [h.strip() for h in row]
            missing = [c for c in required if c not in header]
            if missing:
                yield Rejection(Origin(name, start), missing[0],
                                f"missing column(s) {', '.join(missing)}: expected a header "
                                f"with {', '.join(required)}", label=label)
                return
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield Rejection(Origin(name, start), "row",
                            f"malformed CSV row: expected {len(header)} columns "
                            f"({', '.join(header)}), got {len(row)}",
                            {"cells": row}, label=label)
            continue
        yield start, {h: cell.strip() for h, cell in zip(header, row, strict=True)}
