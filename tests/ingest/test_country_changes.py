"""The country-groups file's `changes`: dated memberships become histories of
`bis_country_groups` (DESIGN.md section 4), bad changes are rejected with file and line."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

from graph.dated import value_as_of
from ingest.curated import read_curated
from ingest.records import NodeRecord, Rejection

FILE = """\
as_of: 2026-12-04
sources:
  - {id: src:t, title: T, publisher: P}
groups:
  "D:1": [KHM]
  "D:5": [CHN]
changes:
  - {country: KHM, group: "D:5", since: 2021-12-09, until: 2026-02-02,
     sources: [src:t], confidence: high}
  - {country: KHM, group: "A:9", since: 2030-01-01, sources: [src:t], confidence: low}
"""


def _read(tmp_path: Path, text: str) -> list[NodeRecord | Rejection]:
    path = tmp_path / "groups.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return [r for r in read_curated([path]) if isinstance(r, (NodeRecord, Rejection))]


def test_a_dated_membership_gives_the_groups_of_each_day(tmp_path: Path) -> None:
    recs = {r.id: r for r in _read(tmp_path, FILE) if isinstance(r, NodeRecord)}
    history = recs["KHM"].props["bis_country_groups"]
    assert value_as_of(history, dt.date(2020, 1, 1)) == ["D:1"]
    assert value_as_of(history, dt.date(2021, 12, 9)) == ["D:1", "D:5"]
    assert value_as_of(history, dt.date(2026, 2, 2)) == ["D:1", "D:5"]
    assert value_as_of(history, dt.date(2026, 2, 3)) == ["D:1"]
    assert value_as_of(history, dt.date(2031, 1, 1)) == ["A:9", "D:1"]
    # periods follow each other without gaps or overlaps
    for a, b in zip(history, history[1:], strict=False):
        assert a["until"] + dt.timedelta(days=1) == b["since"]
    # a country no change names keeps its plain groups
    assert recs["CHN"].props["bis_country_groups"] == ["D:5"]


def test_a_bad_change_is_rejected_with_its_line(tmp_path: Path) -> None:
    bad = FILE + "  - {country: XXX, group: \"D:5\", sources: [src:t]}\n" \
               + "  - {country: KHM, group: \"D:5\", since: soon, sources: [src:t]}\n" \
               + "  - {country: KHM, group: \"D:5\"}\n"
    rejections = [r for r in _read(tmp_path, bad) if isinstance(r, Rejection)]
    assert [(r.origin.line if r.origin else None) for r in rejections] == [11, 12, 13]
    assert "not an ISO 3166-1" in rejections[0].message
    assert "since" in rejections[1].message
    assert "missing sources" in rejections[2].message
