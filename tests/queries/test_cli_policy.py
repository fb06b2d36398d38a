"""`stackgraph query license | compute | compare` from the command line: the table, the
JSON shape, and bad arguments exiting 2 with the file and rule named."""

from __future__ import annotations

import json
from pathlib import Path

from graph.db import Graph
from tests.conftest import wipe
from tests.queries.test_cli import cli_env, run  # noqa: F401  (fixture)
from tests.queries.test_license import PAPER, compute_world


def test_license_compute_compare_cli(cli_env: Graph, tmp_path: Path) -> None:  # noqa: F811
    wipe(cli_env)
    compute_world().load(cli_env)
    code, out = run("license", "--item", "chip:above", "--to", "CHN", "--scenario", PAPER,
                    "--as-of", "2025-10-01")
    assert code == 0, out
    assert "license required: yes" in out and "big-chips" in out
    code, out = run("license", "--item", "chip:above", "--to", "GBR", "--scenario", PAPER,
                    "--as-of", "2025-10-01", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["required"] is False and data["policy"] == "license exception AIA"
    assert {f["rule"] for f in data["applied"]} >= {"big-chips", "trusted-exception"}
    assert next(f for f in data["applied"] if f["rule"] == "big-chips")["why"] == [
        "TPP 4,800.1 >= 4,800"]
    code, out = run("compute", "--scenario", PAPER, "--as-of", "2025-10-01", "--json")
    assert code == 0, out
    assert {r["country"] for r in json.loads(out)["countries"]} == {"SGP", "GBR", "CHN"}
    code, out = run("compare", "--scenarios", f"{PAPER},{PAPER}", "--item", "chip:above",
                    "--as-of", "2025-10-01")
    assert code == 0, out and "paper" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(PAPER).read_text().replace("threshold: 0.5", "threshold: 50"))
    code, out = run("license", "--item", "chip:above", "--to", "CHN", "--scenario", str(bad))
    assert code == 2 and "rule 'affiliates': field 'threshold'" in out, out
    code, out = run("license", "--item", "chip:nope", "--to", "CHN")
    assert code == 2 and "unknown item 'chip:nope'" in out, out
