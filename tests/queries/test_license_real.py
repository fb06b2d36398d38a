"""The license question on the bundled data (issue 18, section 3): the H100 to China needs a
license as of 2025-03-01; the H20 to China does not as of 2024-06-01 and does as of
2025-06-01; under ai-diffusion-2025 the H100 to the United Kingdom needs none."""

from __future__ import annotations

from graph.db import Graph
from ingest.curated import read_curated
from ingest.pipeline import list_source, run_load
from queries.license import license
from tests.conftest import ROOT


def load_bundled(graph: Graph) -> None:
    # the curated chips' REQUIRES links point at ETO inputs (loaded from ../shared/data by
    # the datasets importers): those rejections do not concern these questions
    summary = run_load(graph, list_source(read_curated([ROOT / "data"])), progress=False)
    assert not [e for e in summary.errors if e.label != "REQUIRES"], summary.errors[:3]


def test_real_data_checks(graph: Graph) -> None:
    load_bundled(graph)
    h100 = license(graph, "chip:nvidia-h100-sxm", "CHN", scenario="current",
                   as_of="2025-03-01")
    assert h100.required is True
    assert "TPP 15,832 >= 4,800" in next(f for f in h100.applied
                                         if f.rule == "3a090a-2023").why
    h20_before = license(graph, "chip:nvidia-h20", "CHN", as_of="2024-06-01")
    h20_after = license(graph, "chip:nvidia-h20", "CHN", as_of="2025-06-01")
    assert h20_before.required is False
    assert h20_after.required is True
    assert any(f.rule == "h20-destinations-2025" for f in h20_after.applied)
    uk = license(graph, "chip:nvidia-h100-sxm", "GBR", scenario="ai-diffusion-2025",
                 as_of="2025-06-01")
    assert uk.required is False and uk.policy == "license exception AIA"
    # before the diffusion rule's compliance date nothing applied to the UK either
    assert license(graph, "chip:nvidia-h100-sxm", "GBR", scenario="ai-diffusion-2025",
                   as_of="2025-02-01").required is False


def test_real_data_history(graph: Graph) -> None:
    """What the rule texts add to the history: Macau joins the October 2022 controls on
    2023-01-17 (88 FR 2821); the H20's license requirement stands once licenses are
    reported issued for China (August 2025) and gives way to the January 2026 case-by-case
    review (91 FR 1684)."""
    load_bundled(graph)
    before = license(graph, "chip:nvidia-a100", "MAC", as_of="2022-12-01")
    after = license(graph, "chip:nvidia-a100", "MAC", as_of="2023-06-01")
    assert before.required is False
    assert "macau-2023" in {f.rule for f in before.not_in_force}
    assert after.required is True and "macau-2023" in {f.rule for f in after.applied}
    licensed = license(graph, "chip:nvidia-h20", "CHN", as_of="2025-09-01")
    assert licensed.required is True
    assert {"h20-destinations-2025", "h20-china-licensing-2025-08"} <= {
        f.rule for f in licensed.applied}
    later = license(graph, "chip:nvidia-h20", "CHN", as_of="2026-02-01")
    assert later.required is True and later.policy == "license required: case by case"
    assert "h20-china-licensing-2025-08" in {f.rule for f in later.not_applied
                                             if f.status == "superseded"}
