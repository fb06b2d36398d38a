"""Format detection of `stackgraph ingest` paths (no database needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import BadArgument
from ingest.formats import build_source, detect_format
from tests.conftest import EPOCH_CSV, ETO_DIR, ROOT
from tests.ingest.helpers import GOOD, write


def test_detects_each_format(tmp_path: Path) -> None:
    assert detect_format(ROOT / "data") == "curated"
    assert detect_format(write(tmp_path / "x.yaml", GOOD)) == "curated"
    assert detect_format(ETO_DIR) == "eto"
    assert detect_format(EPOCH_CSV) == "epoch"
    (tmp_path / "g.jsonl").write_text("")
    assert detect_format(tmp_path / "g.jsonl") == "apoc-json"


def test_unknown_inputs_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(BadArgument, match="cannot tell the format"):
        detect_format(tmp_path / "notes.txt")
    with pytest.raises(BadArgument, match="no such file"):
        detect_format(tmp_path / "missing.yaml")
    with pytest.raises(BadArgument, match="unknown format"):
        build_source([tmp_path], "xml", None)
    (tmp_path / "plain.csv").write_text("a,b\n1,2\n")
    with pytest.raises(BadArgument, match="cannot tell"):
        detect_format(tmp_path / "plain.csv")
