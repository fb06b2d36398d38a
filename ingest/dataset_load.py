"""Loading catalogued datasets: each one present is one validated load (resolved against
the database and the steward's judgements like every load), then refreshed: the facts of
its earlier snapshot that this one no longer contains are closed (ingest/refresh.py).

One load per dataset, in catalogue order, so each reports its own counts and rejects file
and later datasets resolve against earlier ones (chips before the clusters hosting them).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from graph.db import Graph
from ingest.catalogue import Dataset, LocalState, catalogue, dataset, local_state
from ingest.formats import FORMATS, build_source
from ingest.loader import DEFAULT_BATCH, LoadSummary
from ingest.pipeline import run_load
from ingest.records import Rejection
from ingest.refresh import Refresh, close_missing, curated_facts


def write_rejects(path: Path, rejections: list[Rejection]) -> None:
    """One JSON object per line: file, line, field, message, record (and severity)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in rejections:
            fh.write(json.dumps(r.as_dict(), ensure_ascii=False, default=str) + "\n")


@dataclass
class DatasetResult:
    """What loading one dataset did (or why it did not)."""

    dataset: Dataset
    state: LocalState
    status: str  # loaded | not present | incomplete | unsupported
    summary: LoadSummary | None = None
    refresh: Refresh | None = None
    rejects: Path | None = None
    day: dt.date | None = None

    def line(self) -> str:
        """One line for ``make run`` and ``stackgraph datasets load``."""
        d = self.dataset
        if self.status == "not present":
            return f"{d.name}: not present — stackgraph datasets fetch {d.name}"
        if self.status == "incomplete":
            return (f"{d.name}: incomplete in {self.state.folder} (missing "
                    f"{', '.join(self.state.missing)}) — stackgraph datasets fetch {d.name}")
        if self.status == "unsupported":
            return f"{d.name}: not loaded — format {d.format!r} has no importer in this version"
        s, r = self.summary, self.refresh
        assert s is not None and r is not None
        nodes = sum(c.written for c in s.nodes.values())
        rels = sum(c.written for c in s.rels.values())
        added = sum(c.created for c in s.rels.values())
        changed = sum(c.updated for c in s.rels.values())
        text = (f"{d.name}: loaded {nodes} nodes ({sum(c.created for c in s.nodes.values())} "
                f"new), {rels} facts (added {added}, changed {changed}, no longer present "
                f"{r.closed}"
                f"{f', {r.still_backed} still backed by other sources' if r.still_backed else ''}"
                f"){' from a changed snapshot' if self.state.changed else ''}")
        if s.errors:
            text += f"; {len(s.errors)} rejected -> {self.rejects}"
        if s.warnings:
            text += f"; {len(s.warnings)} warning(s)"
        return text

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"name": self.dataset.name, "status": self.status,
                                  "folder": str(self.state.folder) if self.state.folder
                                  else None, "line": self.line()}
        if self.summary is not None and self.refresh is not None:
            out.update({"summary": self.summary.as_dict(), "closed": self.refresh.closed,
                        "still_backed": self.refresh.still_backed,
                        "snapshot": self.day.isoformat() if self.day else None,
                        "rejects_file": str(self.rejects) if self.rejects else None})
        return out


def load_one(graph: Graph, d: Dataset, state: LocalState, *, rejects_dir: Path,
             batch_size: int = DEFAULT_BATCH, progress: bool | None = False,
             day: dt.date | None = None) -> DatasetResult:
    if state.folder is None:
        return DatasetResult(d, state, "not present")
    if state.missing:
        return DatasetResult(d, state, "incomplete")
    if d.format not in FORMATS:
        return DatasetResult(d, state, "unsupported")
    path = state.folder / d.load if d.load != "." else state.folder
    source = build_source([path], d.format, graph)
    summary = run_load(graph, source, batch_size=batch_size, progress=progress)
    day = day or state.snapshot_date()
    refresh = close_missing(graph, source, d.source_id, day,
                            keep=curated_facts(d.source_id))
    rejects = rejects_dir / f"{d.name}.jsonl"
    if summary.rejections:
        write_rejects(rejects, summary.rejections)
    elif rejects.exists():
        rejects.unlink()  # never leave a stale rejects file
    return DatasetResult(d, state, "loaded", summary, refresh,
                         rejects if summary.rejections else None, day)


def load_datasets(graph: Graph, names: list[str] | None = None, extra_dir: Path | None = None,
                  *, rejects_dir: Path, batch_size: int = DEFAULT_BATCH,
                  progress: bool | None = False, day: dt.date | None = None,
                  skip: frozenset[str] = frozenset(),
                  on_result: object = None) -> list[DatasetResult]:
    """Load the named datasets (all catalogued ones when ``names`` is empty) that are
    present, in catalogue order; ``skip``: names loaded otherwise (``make run`` loads ETO
    with the curated data)."""
    wanted = [dataset(n) for n in names] if names else catalogue()
    wanted.sort(key=lambda d: (d.order, d.name))
    out = []
    for d in wanted:
        if d.name in skip:
            continue
        res = load_one(graph, d, local_state(d, extra_dir), rejects_dir=rejects_dir,
                       batch_size=batch_size, progress=progress, day=day)
        if callable(on_result):
            on_result(res)
        out.append(res)
    return out
