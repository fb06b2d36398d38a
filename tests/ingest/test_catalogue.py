"""The dataset catalogue: entries that match the tested snapshots, fetch from a publisher
(here a local HTTP server serving the shared files) with checksum verification, loads that
report per dataset, and refreshes that close what a newer snapshot dropped."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import http.server
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.db import Graph, Target
from graph.errors import BadArgument
from ingest.catalogue import DataFile, catalogue, dataset, fetch, local_state, sha256
from ingest.curated import read_curated
from ingest.dataset_load import load_one
from ingest.pipeline import list_source, run_load
from tests.conftest import ROOT, SHARED
from tests.ingest.helpers import count, load_countries, write

NAMES = {"eto-semiconductor-supply-chain", "epoch-notable-ai-models", "epoch-ml-hardware",
         "epoch-gpu-clusters", "epoch-data-centers", "epoch-ai-chip-counts", "us-dod-1260h",
         "us-bis-mieu"}


@pytest.fixture()
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the shared datasets served over HTTP on 127.0.0.1, standing in for the
    publishers; fetched files go to a fresh STACKGRAPH_HOME."""
    served = tmp_path / "served"
    shutil.copytree(SHARED / "data", served)
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("STACKGRAPH_DATASETS_MIRROR", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("STACKGRAPH_HOME", str(tmp_path / "home"))
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_the_catalogue_describes_the_tested_snapshots() -> None:
    entries = catalogue()
    assert {d.name for d in entries} == NAMES
    for d in entries:
        state = local_state(d)
        assert state.folder == SHARED / "data" / d.name
        assert state.status == "verified", (d.name, state.missing, state.changed)
        assert d.source_id.startswith("src:") and d.files
        assert d.url(d.files[0]).startswith("https://raw.githubusercontent.com/")
        assert d.homepage is None or d.homepage.startswith("https://")
    # the non-commercial datasets' files are not in the repository (nor any other's)
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    digests = {f.sha256 for d in entries for f in d.files}
    assert not [p for p in tracked if (ROOT / p).is_file()
                and p.endswith((".csv", ".md")) and sha256(ROOT / p) in digests]
    assert {d.name for d in entries if not d.commercial_use} == {
        "eto-semiconductor-supply-chain", "us-dod-1260h", "us-bis-mieu"}


def test_fetch_downloads_and_verifies(mirror: Path) -> None:
    d = dataset("us-bis-mieu")
    folder = fetch(d)
    assert folder.name == "us-bis-mieu" and folder.parent.name == "datasets"
    assert sha256(folder / "mieu.csv") == d.files[0].sha256
    meta = json.loads((folder / "SNAPSHOT.json").read_text())
    assert meta["files"]["mieu.csv"]["tested"] is True
    state = local_state(d)  # .stackgraph/datasets comes before ../shared/data
    assert state.folder == folder and state.status == "verified"


def test_a_changed_file_is_refused_unless_accepted(mirror: Path) -> None:
    d = dataset("us-dod-1260h")
    served = mirror / d.name / "sanctions.csv"
    lines = served.read_text(encoding="utf-8").splitlines(keepends=True)
    served.write_text("".join(lines[:-1]), encoding="utf-8")  # the publisher dropped a row
    with pytest.raises(BadArgument, match="differ from the snapshot"):
        fetch(d)
    assert not (mirror.parent / "home" / "datasets" / d.name / "sanctions.csv").exists()
    folder = fetch(d, accept_new=True)
    state = local_state(d)
    assert state.folder == folder and state.status == "changed"
    assert state.changed == ["sanctions.csv"]


def test_cli_fetch_and_list(mirror: Path) -> None:
    from api.cli import app

    res = CliRunner().invoke(app, ["datasets", "fetch", "epoch-ml-hardware"])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["datasets", "list", "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in json.loads(res.stdout)}
    assert rows["epoch-ml-hardware"]["status"] == "verified"
    assert rows["epoch-ml-hardware"]["folder"].endswith("home/datasets/epoch-ml-hardware")
    res = CliRunner().invoke(app, ["datasets", "fetch", "no-such-dataset"])
    assert res.exit_code == 2 and "unknown dataset" in res.output


LIST_V1 = """
    sources:
      - {id: src:test-list, title: A test control list, publisher: test}
    nodes:
      - {label: ControlList, id: list:test, name: Test list, sources: [src:test-list]}
      - {label: Firm, id: firm:alpha, name: Alpha, sources: [src:test-list]}
      - {label: Firm, id: firm:beta, name: Beta, sources: [src:test-list]}
      - {label: Firm, id: firm:gamma, name: Gamma, sources: [src:test-list]}
    relationships:
      - {type: LISTED_ON, from: firm:alpha, to: list:test, since: 2021-01-01,
         sources: [src:test-list], confidence: high}
      - {type: LISTED_ON, from: firm:beta, to: list:test, since: 2022-01-01,
         sources: [src:test-list], confidence: high}
      - {type: LISTED_ON, from: firm:gamma, to: list:test, since: 2022-06-01,
         sources: [src:test-list, src:test-curated], confidence: high}
"""
CURATED = """
    sources:
      - {id: src:test-curated, title: Curated, publisher: test}
    nodes:
      - {label: Firm, id: firm:delta, name: Delta, sources: [src:test-curated]}
"""


def test_refresh_closes_a_dropped_listing(graph: Graph, tmp_path: Path) -> None:
    load_countries(graph)
    folder = tmp_path / "test-list"
    write(folder / "list.yaml", LIST_V1)
    d = dataclasses.replace(dataset("us-bis-mieu"), name="test-list", format="curated",
                            load="list.yaml", source_id="src:test-list",
                            files=(DataFile("list.yaml", "list.yaml",
                                            sha256(folder / "list.yaml")),))
    # the curated data (another load, another source) also vouches for Gamma's listing
    write(tmp_path / "curated.yaml", CURATED)
    run_load(graph, list_source(read_curated([tmp_path / "curated.yaml"])), progress=False)
    first = load_one(graph, d, local_state(d, tmp_path), rejects_dir=tmp_path)
    assert first.status == "loaded" and first.refresh and first.refresh.closed == 0
    assert first.summary is not None and not first.summary.errors, first.summary.errors[:3]
    assert count(graph, "MATCH ()-[r:LISTED_ON]->() WHERE r.until IS NULL "
                        "RETURN count(r) AS n") == 3
    # the next snapshot no longer lists Beta nor Gamma
    v1 = LIST_V1.split("    relationships:")[0]
    v2 = v1 + """    relationships:
      - {type: LISTED_ON, from: firm:alpha, to: list:test, since: 2021-01-01,
         sources: [src:test-list], confidence: high}
"""
    write(folder / "list.yaml", v2)
    day = dt.date(2026, 6, 30)
    second = load_one(graph, d, local_state(d, tmp_path), rejects_dir=tmp_path, day=day)
    assert second.refresh is not None
    assert second.refresh.closed == 1  # Beta's listing: only this dataset gave it
    assert second.refresh.still_backed == 1  # Gamma's: the curated source still backs it
    rows = {r["f"]: r["until"] for r in graph.read(
        "MATCH (f:Firm)-[r:LISTED_ON]->(:ControlList {id: 'list:test'}) "
        "RETURN f.id AS f, toString(r.until) AS until")}
    assert rows == {"firm:alpha": None, "firm:beta": "2026-06-30", "firm:gamma": None}
    assert "no longer present 1" in second.line()
    # loading the same snapshot again changes nothing and closes nothing more
    third = load_one(graph, d, local_state(d, tmp_path), rejects_dir=tmp_path, day=day)
    assert third.refresh is not None and third.refresh.closed == 0
    assert third.summary is not None and sum(c.created + c.updated for c in
                                             third.summary.rels.values()) == 0


def test_cli_load_prints_one_line_per_dataset(graph: Graph, tmp_path: Path,
                                              neo4j_target: Target,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli import app

    for k, v in (("NEO4J_URI", neo4j_target.uri), ("NEO4J_USER", neo4j_target.user),
                 ("NEO4J_PASSWORD", neo4j_target.password),
                 ("STACKGRAPH_DATASETS_DIR", str(tmp_path / "none"))):
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(tmp_path)
    load_countries(graph)
    res = CliRunner().invoke(app, ["datasets", "load", "epoch-notable-ai-models",
                                   "eto-semiconductor-supply-chain", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    names = [r["name"] for r in out["datasets"]]
    assert names == ["eto-semiconductor-supply-chain", "epoch-notable-ai-models"]
    assert all(r["status"] == "loaded" for r in out["datasets"])
    assert out["graph_nodes"] == count(graph, "MATCH (n) RETURN count(n) AS n")
    eto = out["datasets"][0]
    assert eto["summary"]["rejected"] == 0 and eto["rejects_file"] is None
    res = CliRunner().invoke(app, ["datasets", "load", "us-bis-mieu", "--dir",
                                   str(tmp_path / "empty")])
    assert res.exit_code == 0, res.output
    assert "us-bis-mieu: " in res.stdout


def test_refresh_never_closes_the_curated_facts_citing_a_dataset(graph: Graph,
                                                                  tmp_path: Path) -> None:
    """Curated chips REQUIRE ETO inputs citing ETO: ETO's own reload must not close them."""
    from ingest.bundled import load_bundled

    load_bundled(graph)
    open_before = count(graph, "MATCH ()-[r]->() WHERE r.until IS NULL RETURN count(r) AS n")
    d = dataset("eto-semiconductor-supply-chain")
    res = load_one(graph, d, local_state(d), rejects_dir=tmp_path)
    assert res.refresh is not None and res.refresh.closed == 0, res.refresh
    assert count(graph, "MATCH ()-[r]->() WHERE r.until IS NULL "
                        "RETURN count(r) AS n") == open_before
