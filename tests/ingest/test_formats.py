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


def test_firm_resolution_tiers() -> None:
    from ingest.resolve import FirmIndex, normalize

    idx = FirmIndex()
    idx.add("firm:openai", ["OpenAI"])
    idx.add("firm:openai-foundation", ["OpenAI Foundation", "OpenAI Inc."])
    idx.add("firm:tel", ["Tokyo Electron Ltd."])
    idx.add("firm:a1", ["Acme", "Shared"])
    idx.add("firm:a2", ["Acme Two", "Shared"])
    assert idx.resolve("OpenAI") == "firm:openai"          # exact name beats alias
    assert idx.resolve("openai inc") == "firm:openai"      # normalised name beats alias
    assert idx.resolve("OpenAI Inc.") == "firm:openai-foundation"  # exact alias
    assert idx.resolve("TOKYO ELECTRON") == "firm:tel"
    assert idx.resolve("Shared") is None
    assert idx.ambiguous("Shared") == ["firm:a1", "firm:a2"]
    assert idx.resolve("Nobody") is None and idx.ambiguous("Nobody") == []
    assert normalize("ASML Holding N.V.") == "asml"
