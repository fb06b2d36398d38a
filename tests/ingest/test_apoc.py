"""APOC JSON lines: a round trip of the whole graph gives the same graph; foreign APOC
exports (internal ids) import; bad lines are rejected with their line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.db import Graph, Target
from ingest.apoc import ApocReader, export_graph
from ingest.bundled import load_bundled
from ingest.pipeline import run_load
from tests.ingest.helpers import count, snapshot


def test_round_trip_of_the_whole_graph(graph: Graph, tmp_path: Path) -> None:
    load_bundled(graph)
    before = snapshot(graph)
    assert len(before[0]) > 500 and len(before[1]) > 500
    out = tmp_path / "graph.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        n, r = export_graph(graph, fh)
    assert (n, r) == (len(before[0]), len(before[1]))
    lines = [json.loads(t) for t in out.read_text(encoding="utf-8").splitlines()]
    assert sum(1 for x in lines if x["type"] == "node") == n
    rel = next(x for x in lines if x["type"] == "relationship")
    assert set(rel) == {"type", "id", "label", "start", "end", "properties"}
    graph.write("MATCH (n) DETACH DELETE n")
    summary = run_load(graph, ApocReader(out), batch_size=300, progress=False)
    assert not summary.rejections, [str(x) for x in summary.rejections[:5]]
    assert snapshot(graph) == before
    # dates come back as dates, not strings
    assert graph.read("MATCH (c:Country {id: 'USA'}) RETURN valueType(c.bis_as_of) AS t")[0][
        "t"].startswith("DATE")


def test_foreign_apoc_export_with_internal_ids(graph: Graph, tmp_path: Path) -> None:
    f = tmp_path / "apoc.jsonl"
    f.write_text("\n".join(json.dumps(x) for x in [
        {"type": "node", "id": "0", "labels": ["Source"],
         "properties": {"id": "src:s", "title": "S", "publisher": "P", "published": "2024-05"}},
        {"type": "node", "id": "1", "labels": ["Firm"],
         "properties": {"id": "firm:a", "name": "A", "sources": ["src:s"]}},
        {"type": "node", "id": "2", "labels": ["Firm"],
         "properties": {"id": "firm:b", "name": "B", "sources": ["src:s"]}},
        {"id": "0", "type": "relationship", "label": "OWNS", "properties": {
            "share": 0.5, "sources": ["src:s"], "confidence": "high"},
         "start": {"id": "1", "labels": ["Firm"]}, "end": {"id": "2", "labels": ["Firm"]}},
    ]) + "\n{not json\n", encoding="utf-8")
    summary = run_load(graph, ApocReader(f), progress=False)
    assert [(r.origin.line if r.origin else None, r.field) for r in summary.errors] == [
        (5, "json")]
    assert graph.read("MATCH (:Firm {id: 'firm:a'})-[r:OWNS]->(:Firm {id: 'firm:b'}) "
                      "RETURN r.share AS s") == [{"s": 0.5}]
    assert graph.read("MATCH (s:Source) RETURN toString(s.published) AS d") == [
        {"d": "2024-05-01"}]


def test_cli_export_then_ingest(graph: Graph, tmp_path: Path, neo4j_target: Target,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli import app

    monkeypatch.setenv("NEO4J_URI", neo4j_target.uri)
    monkeypatch.setenv("NEO4J_USER", neo4j_target.user)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_target.password)
    monkeypatch.chdir(tmp_path)
    load_bundled(graph)
    before = snapshot(graph)
    res = CliRunner().invoke(app, ["export", "out.jsonl", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["nodes"] == len(before[0])
    graph.write("MATCH (n) DETACH DELETE n")
    res = CliRunner().invoke(app, ["ingest", "out.jsonl", "--batch-size", "500", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["totals"]["nodes"]["created"] == len(before[0])
    assert out["rejected"] == 0 and not (tmp_path / "rejects.jsonl").exists()
    assert out["rejects_file"] is None
    assert snapshot(graph) == before
    assert count(graph, "MATCH (n) RETURN count(n) AS n") == len(before[0])
