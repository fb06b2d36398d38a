"""One node per real-world entity: matching across the curated data, every importer and
the database (ingest/resolution.py), honouring the steward's judgements."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from graph.db import Graph, Target
from graph.errors import BadArgument
from ingest.curated import read_curated
from ingest.formats import build_source, detect_format, read_source
from ingest.judgements import Judgements, load_judgements, pair
from ingest.pipeline import list_source, run_load
from ingest.records import NodeRecord, Origin, RelRecord
from ingest.resolution import candidates, compact, plan
from ingest.resolve import LEGAL_SUFFIXES
from tests.conftest import ROOT, SHARED
from tests.ingest.helpers import count, snapshot, write

DATA = ROOT / "data"
EPOCH_HEADER = "Model,Organization,Country (from Organization),Publication date\n"


def epoch_csv(tmp_path: Path) -> Path:
    """An Epoch export naming models and firms the curated data already holds (values the
    test does not need are left blank)."""
    return write(tmp_path / "epoch" / "models.csv", EPOCH_HEADER + (
        "GPT-4,OpenAI,United States of America,\n"
        "Claude 3 Opus,Anthropic,United States of America,\n"
        "Llama 3.1-405B,Meta AI,United States of America,\n"
        "PaLM (540B),Google,United States of America,\n"))


def other_source(tmp_path: Path) -> Path:
    """A user's file from another source naming NVIDIA and TSMC its own way."""
    return write(tmp_path / "user" / "firms.yaml", """
        sources:
          - {id: src:user-list, title: A user's list of firms, publisher: a user}
        nodes:
          - {label: Firm, id: firm:nvidia-corporation, name: Nvidia Corporation,
             sources: [src:user-list], confidence: low}
          - {label: Firm, id: firm:taiwan-semi, name: T.S.M.C., aliases: [TSMC Ltd.],
             sources: [src:user-list], confidence: low}
          - {label: Model, id: model:user-gpt-4, name: gpt 4, sources: [src:user-list],
             confidence: low}
        relationships:
          - {type: DESIGNS, from: firm:nvidia-corporation, to: chip:nvidia-h100-sxm,
             sources: [src:user-list], confidence: low}
        """)


def dataset_paths() -> list[Path]:
    """Every dataset of the shared folder that an importer of this checkout reads."""
    out: list[Path] = []
    for folder in sorted((SHARED / "data").iterdir()):
        if not folder.is_dir():
            continue
        try:
            detect_format(folder)
            out.append(folder)
            continue
        except BadArgument:
            pass
        for f in sorted(folder.glob("*.csv")):
            try:
                detect_format(f)
                out.append(f)
            except BadArgument:
                pass
    return out


def duplicates(graph: Graph, judgements: Judgements) -> list[list[str]]:
    """Groups of Model, Firm or Chip nodes sharing a normalised name (case, spaces,
    hyphens and punctuation ignored), unless every pair is judged different."""
    rows = graph.read("MATCH (n:Entity) WHERE n:Model OR n:Firm OR n:Chip "
                      "RETURN n.id AS id, [l IN labels(n) WHERE l <> 'Entity'][0] AS label, "
                      "n.name AS name")
    groups: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        groups.setdefault((r["label"], compact(r["name"])), []).append(r["id"])
    return [sorted(ids) for ids in groups.values() if len(ids) > 1 and not all(
        judgements.verdict(a, b) == "different" for a, b in itertools.combinations(ids, 2))]


# -- real duplicates ------------------------------------------------------------------

def test_real_duplicates_resolve_to_the_curated_nodes(tmp_path: Path) -> None:
    source = read_source([DATA, epoch_csv(tmp_path), other_source(tmp_path)], None, None)
    res = plan(source, None)
    assert res.mapping["model:epoch-gpt-4"] == "model:openai-gpt-4"
    assert res.mapping["model:user-gpt-4"] == "model:openai-gpt-4"
    assert res.mapping["model:epoch-claude-3-opus"] == "model:anthropic-claude-3-opus"
    assert res.mapping["model:epoch-llama-3-1-405b"] == "model:meta-llama-3-1-405b"
    assert res.mapping["model:epoch-palm-540b"] == "model:google-palm-540b"
    assert res.mapping["firm:nvidia-corporation"] == "firm:nvidia"  # legal suffix
    assert res.mapping["firm:taiwan-semi"] == "firm:tsmc"  # punctuation
    ids = {i.id for i in res.rewrite(source()) if isinstance(i, NodeRecord)}
    assert not ids & set(res.mapping)
    rels = [i for i in res.rewrite(source()) if isinstance(i, RelRecord) and i.type == "DESIGNS"
            and i.props.get("sources") == ["src:user-list"]]
    assert [(r.source, r.target) for r in rels] == [("firm:nvidia", "chip:nvidia-h100-sxm")]


def test_a_load_keeps_one_node_with_both_sources(graph: Graph, tmp_path: Path) -> None:
    paths = [DATA, epoch_csv(tmp_path), other_source(tmp_path)]
    first = run_load(graph, build_source(paths, None, graph), progress=False)
    assert not [r for r in first.errors if "model:" in str(r.record)], first.errors[:5]
    gpt4 = graph.read("MATCH (m:Model) WHERE toLower(m.name) IN ['gpt-4', 'gpt 4'] "
                      "RETURN m.id AS id, m.sources AS sources, m.aliases AS aliases, "
                      "m.release_date AS release, m.same_as AS same_as")
    assert len(gpt4) == 1
    assert gpt4[0]["id"] == "model:openai-gpt-4"
    assert {"src:epoch-notable-ai-models", "src:user-list"} <= set(gpt4[0]["sources"])
    assert "src:openai-gpt-4-technical-report-2023" in gpt4[0]["sources"]
    assert "gpt 4" in gpt4[0]["aliases"]
    assert str(gpt4[0]["release"]) == "2023-03-14"  # the curated value is not overwritten
    assert set(gpt4[0]["same_as"]) == {"model:epoch-gpt-4", "model:user-gpt-4"}
    develops = graph.read("MATCH (:Firm {id: 'firm:openai'})-[r:DEVELOPS]->"
                          "(:Model {id: 'model:openai-gpt-4'}) RETURN r.sources AS s")
    assert len(develops) == 1 and "src:epoch-notable-ai-models" in develops[0]["s"]
    assert count(graph, "MATCH (f:Firm) WHERE f.name IN ['NVIDIA', 'Nvidia Corporation'] "
                        "RETURN count(f) AS n") == 1
    assert not duplicates(graph, load_judgements())
    # idempotent: the whole load again, then the Epoch file alone, change nothing
    before = snapshot(graph)
    again = run_load(graph, build_source(paths, None, graph), progress=False)
    assert again.nodes_written == sum(c.unchanged for c in again.nodes.values())
    alone = run_load(graph, build_source([paths[1]], None, graph), progress=False)
    assert alone.node("Model").created == 0
    after = snapshot(graph)
    assert set(after[0]) ^ set(before[0]) == set()
    assert set(after[1]) ^ set(before[1]) == set()


def test_no_duplicates_after_curated_and_every_dataset(graph: Graph) -> None:
    """The acceptance test: curated data plus every shared dataset an importer reads."""
    paths = dataset_paths()
    assert any(p.name == "eto-semiconductor-supply-chain" for p in paths)
    run_load(graph, build_source([DATA, *paths], None, graph), progress=False)
    judgements = load_judgements()
    assert duplicates(graph, judgements) == []
    # the pairs judged different are really in the graph, kept apart
    kept = [p for p in judgements.different
            if count(graph, "MATCH (n:Entity) WHERE n.id IN $ids RETURN count(n) AS n",
                     ids=list(p)) == 2]
    assert kept


# -- generated near-duplicates --------------------------------------------------------

# a legal suffix ("se", "ag") is dropped from a firm's name only as a word of its own, so
# "00 se" and "00se" are different names: words are drawn from outside the suffixes
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=2, max_size=8
               ).filter(lambda w: w not in LEGAL_SUFFIXES)


@st.composite
def name_and_variant(draw: st.DrawFn) -> tuple[str, str]:
    words = draw(st.lists(WORD, min_size=1, max_size=4))
    seps = [draw(st.sampled_from([" ", "-", "  ", ".", "_", ", ", " / ", ""]))
            for _ in words[1:]]
    variant = words[0] + "".join(s + w for s, w in zip(seps, words[1:], strict=True))
    variant = "".join(c.upper() if draw(st.booleans()) else c for c in variant)
    variant = draw(st.sampled_from(["", " ", "(", "'"])) + variant + draw(
        st.sampled_from(["", ".", " ", ")", "!"]))
    return " ".join(words), variant


def two_sources(label: str, name: str, variant: str) -> list[NodeRecord]:
    prefix = label.lower()
    return [NodeRecord(label, f"{prefix}:a-one", {"name": name, "sources": ["src:a"]},
                       Origin("a.yaml", 1)),
            NodeRecord(label, f"{prefix}:b-two", {"name": variant, "sources": ["src:b"]},
                       Origin("b.csv", 2))]


@settings(max_examples=200, deadline=None)
@given(name_and_variant(), st.sampled_from(["Firm", "Model", "Chip", "DataCenter"]))
def test_variants_of_a_name_resolve_together(names: tuple[str, str], label: str) -> None:
    name, variant = names
    items = two_sources(label, name, variant)
    prefix = label.lower()
    res = plan(list_source(list(items)), None, Judgements())
    assert res.mapping == {f"{prefix}:b-two": f"{prefix}:a-one"}
    out = list(res.rewrite(items))
    assert {n.id for n in out} == {f"{prefix}:a-one"}
    assert out[1].props["sources"] == ["src:b"]  # the loader unites it with src:a
    judged = Judgements(different={pair(f"{prefix}:a-one", f"{prefix}:b-two")})
    assert plan(list_source(list(items)), None, judged).mapping == {}


@settings(max_examples=100, deadline=None)
@given(name_and_variant(), name_and_variant())
def test_different_names_stay_apart(a: tuple[str, str], b: tuple[str, str]) -> None:
    if compact(a[0]) == compact(b[0]):
        return
    items = [two_sources("Model", a[0], a[1])[0], two_sources("Model", b[0], b[1])[1]]
    assert plan(list_source(list(items)), None, Judgements()).mapping == {}


def test_rows_of_one_file_are_kept_apart() -> None:
    """Epoch's 200 "Anonymized Chinese System" clusters share one name, not one id."""
    items = [NodeRecord("DataCenter", f"datacenter:anon-{i}",
                        {"name": "Anonymized Chinese System", "sources": ["src:x"]},
                        Origin("clusters.csv", i)) for i in range(5)]
    assert plan(list_source(list(items)), None, Judgements()).mapping == {}


# -- judgements and candidates --------------------------------------------------------

def test_judgement_same_joins_and_bad_rows_are_refused(tmp_path: Path) -> None:
    f = write(tmp_path / "j.csv", """
        left,right,judgement,who,why,date
        firm:a,firm:b,same,Steward,"one firm, two names",2026-12-04
        """)
    j = load_judgements(f)
    items = [NodeRecord("Firm", "firm:a", {"name": "Alpha Widgets", "sources": ["src:a"]},
                        Origin("a.yaml", 1)),
             NodeRecord("Firm", "firm:b", {"name": "AW Holdings Shenzhen",
                                           "sources": ["src:b"]}, Origin("b.yaml", 1))]
    assert plan(list_source(items), None, j).mapping == {"firm:b": "firm:a"}
    assert plan(list_source(items), None, Judgements()).mapping == {}
    write(f, "left,right,judgement,who,why,date\nfirm:a,firm:b,maybe,S,why,2026-12-04\n")
    with pytest.raises(BadArgument, match=r"j.csv:2: field 'judgement'"):
        load_judgements(f)
    write(f, "left,right,judgement,who,why,date\nfirm:a,firm:b,same,,why,2026-12-04\n")
    with pytest.raises(BadArgument, match=r"j.csv:2: field 'who' is empty"):
        load_judgements(f)


def test_the_repository_judgements_file_is_valid() -> None:
    j = load_judgements()
    assert j.different and all(a < b for a, b in j.different | j.same)


def test_candidates_rank_near_duplicates(graph: Graph, tmp_path: Path) -> None:
    write(tmp_path / "c.yaml", """
        sources:
          - {id: src:one, title: one, publisher: p}
          - {id: src:two, title: two, publisher: p}
        nodes:
          - {label: Chip, id: chip:acme-x100, name: Acme X100 SXM, sources: [src:one]}
          - {label: Chip, id: chip:acme-x100-sxm5, name: Acme X100 SXM5, sources: [src:two]}
          - {label: Firm, id: firm:acme, name: Acme, aliases: [Acme Labs],
             sources: [src:one]}
          - {label: Firm, id: firm:acme-labs-two, name: Acme Labs Two, aliases: [Acme Labs],
             sources: [src:two]}
          - {label: Model, id: model:zeta, name: Zeta, sources: [src:one]}
          - {label: Firm, id: firm:zeta, name: Zeta, sources: [src:two]}
        """)
    run_load(graph, list_source(read_curated([tmp_path / "c.yaml"])), progress=False)
    found = candidates(graph, Judgements())
    pairs = {(c.left, c.right): c for c in found}
    assert ("chip:acme-x100", "chip:acme-x100-sxm5") in pairs
    assert pairs[("chip:acme-x100", "chip:acme-x100-sxm5")].reason == "similar names"
    assert ("firm:zeta", "model:zeta") in pairs
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    judged = Judgements(different={pair("chip:acme-x100", "chip:acme-x100-sxm5")})
    assert ("chip:acme-x100", "chip:acme-x100-sxm5") not in {
        (c.left, c.right) for c in candidates(graph, judged)}


def test_cli_resolve_lists_pairs_and_says_how_to_judge(
        graph: Graph, tmp_path: Path, neo4j_target: Target,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli import app

    for k, v in (("NEO4J_URI", neo4j_target.uri), ("NEO4J_USER", neo4j_target.user),
                 ("NEO4J_PASSWORD", neo4j_target.password)):
        monkeypatch.setenv(k, v)
    write(tmp_path / "c.yaml", """
        sources:
          - {id: src:one, title: one, publisher: p}
          - {id: src:two, title: two, publisher: p}
        nodes:
          - {label: Chip, id: chip:acme-x100, name: Acme X100 SXM, sources: [src:one]}
          - {label: Chip, id: chip:acme-x100-sxm5, name: Acme X100 SXM5, sources: [src:two]}
        """)
    run_load(graph, list_source(read_curated([tmp_path / "c.yaml"])), progress=False)
    res = CliRunner().invoke(app, ["resolve", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["total"] == 1
    assert out["candidates"][0]["left"] == "chip:acme-x100"
    assert out["candidates"][0]["right"] == "chip:acme-x100-sxm5"
    res = CliRunner().invoke(app, ["resolve"])
    assert res.exit_code == 0 and "judgements.csv" in res.stdout
