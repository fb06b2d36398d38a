"""Each kind of bad input is rejected with file, line and field, loads nothing of itself,
and does not stop the good records; --strict writes nothing at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.db import Graph
from ingest.curated import read_curated
from ingest.eto import read_eto
from ingest.pipeline import list_source, run_load
from tests.conftest import ETO_DIR
from tests.ingest.helpers import GOOD, count, load_countries, write

HEAD = """
nodes:
  - label: Firm
    id: firm:gamma
    name: Gamma
    sources: [src:test]
    confidence: low
"""

# (case, YAML after HEAD, the line marker of the bad field, expected field, id that must
#  not exist / relationship that must not exist)
CASES = [
    ("missing source", """
relationships:
  - type: OWNS   # BAD: a missing field is reported at the record's first line
    from: firm:gamma
    to: firm:beta
    share: 0.1
    confidence: low
""", "type: OWNS   # BAD", "sources", ("OWNS", "firm:gamma", "firm:beta")),
    ("undefined source", """
  - label: Firm
    id: firm:delta
    name: Delta
    sources: [src:nowhere]   # BAD
    confidence: low
""", "sources: [src:nowhere]   # BAD", "sources", "firm:delta"),
    ("unknown label", """
  - label: Company   # BAD
    id: firm:delta
    name: Delta
    sources: [src:test]
""", "label: Company   # BAD", "label", "firm:delta"),
    ("unknown type", """
relationships:
  - type: LOVES   # BAD
    from: firm:gamma
    to: firm:beta
    sources: [src:test]
    confidence: low
""", "type: LOVES   # BAD", "type", ("LOVES", "firm:gamma", "firm:beta")),
    ("wrong type", """
relationships:
  - type: OWNS
    from: firm:gamma
    to: firm:beta
    share: a lot   # BAD
    sources: [src:test]
    confidence: low
""", "share: a lot   # BAD", "share", ("OWNS", "firm:gamma", "firm:beta")),
    ("share out of range", """
relationships:
  - type: OWNS
    from: firm:gamma
    to: firm:beta
    share: 40   # BAD
    sources: [src:test]
    confidence: low
""", "share: 40   # BAD", "share", ("OWNS", "firm:gamma", "firm:beta")),
    ("bad enum", """
  - label: Firm
    id: firm:delta
    name: Delta
    kind: [bakery]   # BAD
    sources: [src:test]
""", "kind: [bakery]   # BAD", "kind", "firm:delta"),
    ("bad date", """
relationships:
  - type: OWNS
    from: firm:gamma
    to: firm:beta
    since: last spring   # BAD
    sources: [src:test]
    confidence: low
""", "since: last spring   # BAD", "since", ("OWNS", "firm:gamma", "firm:beta")),
    ("bad country code", """
relationships:
  - type: HEADQUARTERED_IN
    from: firm:gamma
    to: XYZ   # BAD
    sources: [src:test]
    confidence: low
""", "to: XYZ   # BAD", "to", ("HEADQUARTERED_IN", "firm:gamma", "XYZ")),
    ("country id not ISO3", """
  - label: Country
    id: Germany   # BAD
    name: Germany
    iso3: DEU
    sources: [src:test]
""", "id: Germany   # BAD", "id", "Germany"),
    ("unknown id reference", """
relationships:
  - type: OWNS
    from: firm:nobody   # BAD
    to: firm:gamma
    sources: [src:test]
    confidence: low
""", "from: firm:nobody   # BAD", "from", ("OWNS", "firm:nobody", "firm:gamma")),
    ("endpoint label not allowed", """
relationships:
  - type: DESIGNS
    from: firm:gamma
    to: firm:beta   # BAD
    sources: [src:test]
    confidence: low
""", "to: firm:beta   # BAD", "to", ("DESIGNS", "firm:gamma", "firm:beta")),
    ("unknown property", """
  - label: Firm
    id: firm:delta
    name: Delta
    ceo: Someone   # BAD
    sources: [src:test]
""", "ceo: Someone   # BAD", "ceo", "firm:delta"),
    ("conflicting duplicate", """
  - label: Firm
    id: firm:beta
    name: Beta Two   # BAD
    sources: [src:test]
    confidence: medium
""", "name: Beta Two   # BAD", "name", None),
    ("missing label", """
  - id: firm:delta   # BAD: no label
    name: Delta
    sources: [src:test]
    confidence: low
""", "id: firm:delta   # BAD", "label", "firm:delta"),
    ("missing type", """
relationships:
  - from: firm:gamma   # BAD: no type
    to: firm:beta
    sources: [src:test]
    confidence: low
""", "from: firm:gamma   # BAD", "type", ("OWNS", "firm:gamma", "firm:beta")),
]


def _line_of(path: Path, marker: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, text in enumerate(lines, start=1) if marker in text)


def _exists(graph: Graph, what: str | tuple[str, str, str]) -> bool:
    if isinstance(what, str):
        return count(graph, "MATCH (n {id: $id}) RETURN count(n) AS n", id=what) > 0
    rtype, a, b = what
    return count(graph, "MATCH ({id: $a})-[r]->({id: $b}) WHERE type(r) = $t "
                        "RETURN count(r) AS n", a=a, b=b, t=rtype) > 0


def _assert_good_loaded(graph: Graph) -> None:
    assert _exists(graph, "firm:alpha") and _exists(graph, "firm:beta")
    assert _exists(graph, "firm:gamma")
    assert _exists(graph, ("OWNS", "firm:alpha", "firm:beta"))
    assert _exists(graph, ("HEADQUARTERED_IN", "firm:alpha", "USA"))


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_record_is_rejected_with_file_line_field(graph: Graph, tmp_path: Path,
                                                     case: tuple) -> None:
    name, bad, marker, fld, absent = case
    load_countries(graph)
    write(tmp_path / "a_good.yaml", GOOD)
    bad_file = write(tmp_path / "b_bad.yaml", HEAD + bad)
    summary = run_load(graph, list_source(read_curated([tmp_path])), progress=False)
    errors = summary.errors
    assert len(errors) == 1, [str(e) for e in errors]
    rej = errors[0]
    assert rej.origin is not None and rej.origin.file.endswith("b_bad.yaml")
    assert rej.origin.line == _line_of(bad_file, marker)
    assert rej.field == fld
    assert rej.message
    _assert_good_loaded(graph)
    if absent is not None:
        assert not _exists(graph, absent)
    else:  # the conflicting copy did not overwrite the first
        assert graph.read("MATCH (f:Firm {id: 'firm:beta'}) RETURN f.name AS n")[0]["n"] == "Beta"


def test_relationship_to_rejected_node_is_rejected_naming_the_cause(graph: Graph,
                                                                    tmp_path: Path) -> None:
    load_countries(graph)
    write(tmp_path / "a_good.yaml", GOOD)
    write(tmp_path / "b_bad.yaml", HEAD + """
  - label: Firm
    id: firm:delta
    name: Delta
    kind: [bakery]
    sources: [src:test]
relationships:
  - type: OWNS
    from: firm:delta
    to: firm:gamma
    sources: [src:test]
    confidence: low
""")
    summary = run_load(graph, list_source(read_curated([tmp_path])), progress=False)
    assert [e.field for e in summary.errors] == ["kind", "from"]
    assert "was rejected" in summary.errors[1].message
    assert "firm:delta" in summary.errors[1].message
    assert summary.rels["OWNS"].rejected == 1 and summary.nodes["Firm"].rejected == 1
    _assert_good_loaded(graph)
    assert not _exists(graph, "firm:delta")


def test_malformed_yaml_rejects_the_file_with_the_error_line(graph: Graph,
                                                             tmp_path: Path) -> None:
    load_countries(graph)
    write(tmp_path / "a_good.yaml", GOOD)
    bad = write(tmp_path / "b_bad.yaml", HEAD + """
  - label: Firm
    id: firm:delta
    name: [unclosed
    sources: [src:test]
""")
    summary = run_load(graph, list_source(read_curated([tmp_path])), progress=False)
    assert len(summary.errors) == 1
    rej = summary.errors[0]
    assert rej.field == "yaml" and rej.origin is not None
    assert rej.origin.file.endswith("b_bad.yaml")
    # the parser notices the unclosed list at or after the line that opens it
    assert _line_of(bad, "name: [unclosed") <= (rej.origin.line or 0) <= len(
        bad.read_text().splitlines()) + 1
    # gamma is in the broken file: nothing of that file loads
    assert _exists(graph, "firm:alpha") and _exists(graph, "firm:beta")
    assert not _exists(graph, "firm:gamma") and not _exists(graph, "firm:delta")


def test_bad_encoding_rejects_the_file_with_the_line(graph: Graph, tmp_path: Path) -> None:
    load_countries(graph)
    write(tmp_path / "a_good.yaml", GOOD)
    text = HEAD + "  - label: Firm\n    id: firm:delta\n    name: Caf\xe9 Delta\n" \
                  "    sources: [src:test]\n"
    bad = tmp_path / "b_bad.yaml"
    bad.write_bytes(text.lstrip().encode("latin-1"))
    summary = run_load(graph, list_source(read_curated([tmp_path])), progress=False)
    assert len(summary.errors) == 1
    rej = summary.errors[0]
    assert rej.field == "encoding" and rej.origin is not None
    assert rej.origin.line == next(
        i for i, t in enumerate(bad.read_bytes().splitlines(), 1) if b"\xe9" in t)
    assert _exists(graph, "firm:alpha")
    assert not _exists(graph, "firm:delta") and not _exists(graph, "firm:gamma")


def _copy_eto(tmp_path: Path) -> Path:
    out = tmp_path / "eto"
    out.mkdir()
    for f in ETO_DIR.iterdir():
        if f.suffix == ".csv":
            (out / f.name).write_bytes(f.read_bytes())
    return out


def test_malformed_csv_row_and_bad_encoding_are_rejected_by_line(graph: Graph,
                                                                 tmp_path: Path) -> None:
    load_countries(graph)
    eto = _copy_eto(tmp_path)
    prov = eto / "provision.csv"
    lines = prov.read_bytes().splitlines(keepends=True)
    # line 2: one column too many; line 3: a latin-1 byte
    lines[1] = lines[1].rstrip(b"\r\n") + b",extra\n"
    lines[2] = lines[2].replace(b"CSET", b"CS\xc9T", 1)
    prov.write_bytes(b"".join(lines))
    providers = eto / "providers.csv"
    plines = providers.read_bytes().splitlines(keepends=True)
    bad_country_line = next(i for i, t in enumerate(plines, 1) if t.startswith(b"Intel,"))
    plines[bad_country_line - 1] = b"Intel,,P9,organization,XX\n"
    providers.write_bytes(b"".join(plines))
    summary = run_load(graph, list_source(read_eto(eto)), progress=False)
    by_line = {(r.origin.file.rsplit("/", 1)[-1], r.origin.line): r
               for r in summary.rejections if r.origin}
    assert by_line[("provision.csv", 2)].field == "row"
    assert "columns" in by_line[("provision.csv", 2)].message
    assert by_line[("provision.csv", 3)].field == "encoding"
    bad = by_line[("providers.csv", bad_country_line)]
    assert "XX" in bad.message
    # Intel's provision rows are rejected, nothing of Intel is loaded, the rest loads
    assert count(graph, "MATCH (f:Firm {name: 'Intel'}) RETURN count(f) AS n") == 0
    assert count(graph, "MATCH ()-[r:SUPPLIES]->() RETURN count(r) AS n") > 1000


def test_strict_writes_nothing(graph: Graph, tmp_path: Path) -> None:
    load_countries(graph)
    before = count(graph, "MATCH (n) RETURN count(n) AS n")
    write(tmp_path / "a_good.yaml", GOOD)
    write(tmp_path / "b_bad.yaml", HEAD + CASES[0][1])
    summary = run_load(graph, list_source(read_curated([tmp_path])), strict=True,
                       progress=False)
    assert summary.aborted and len(summary.errors) == 1
    assert count(graph, "MATCH (n) RETURN count(n) AS n") == before
    assert summary.nodes["Firm"].valid == 3 and summary.nodes["Firm"].created == 0


def test_cli_strict_exit_code_and_rejects_file(graph: Graph, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               neo4j_target: object) -> None:
    from api.cli import app

    load_countries(graph)
    target = neo4j_target
    monkeypatch.setenv("NEO4J_URI", target.uri)  # type: ignore[attr-defined]
    monkeypatch.setenv("NEO4J_USER", target.user)  # type: ignore[attr-defined]
    monkeypatch.setenv("NEO4J_PASSWORD", target.password)  # type: ignore[attr-defined]
    write(tmp_path / "data" / "a_good.yaml", GOOD)
    bad = write(tmp_path / "data" / "b_bad.yaml", HEAD + CASES[4][1])
    rejects = tmp_path / "rej.jsonl"
    before = count(graph, "MATCH (n) RETURN count(n) AS n")
    res = CliRunner().invoke(app, ["ingest", str(tmp_path / "data"), "--strict",
                                   "--rejects", str(rejects), "--json"])
    assert res.exit_code == 1, res.output
    assert count(graph, "MATCH (n) RETURN count(n) AS n") == before
    lines = [json.loads(t) for t in rejects.read_text().splitlines()]
    assert len(lines) == 1
    assert lines[0]["field"] == "share" and lines[0]["file"].endswith("b_bad.yaml")
    assert lines[0]["line"] == _line_of(bad, "share: a lot")
    assert lines[0]["record"]["from"] == "firm:gamma"
    # without --strict: the good records load, the bad one is reported; exit 0
    res = CliRunner().invoke(app, ["ingest", str(tmp_path / "data"), "--rejects",
                                   str(rejects), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["nodes"]["Firm"]["created"] == 3
    assert out["relationships"]["OWNS"] == {"created": 1, "updated": 0, "unchanged": 0,
                                            "rejected": 1}
    assert out["rejected"] == 1
