"""`stackgraph query ...`: bad arguments exit 2 with a clear message; answers print as a
table or as the documented JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.db import Graph, Target
from graph.settings import get_settings
from tests.conftest import point_cli_at
from tests.queries.builder import Builder
from tests.queries.test_diversion import hub_graph

runner = CliRunner()


@pytest.fixture()
def cli_env(graph: Graph, neo4j_target: Target, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[Graph]:
    """Point the CLI's own connection at the test server."""
    point_cli_at(neo4j_target, monkeypatch)
    hub_graph().load(graph)
    yield graph
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["query", *args])
    return res.exit_code, res.output + (res.stderr if res.stderr_bytes is not None else "")


@pytest.mark.parametrize(("args", "message"), [
    (["diversion", "--from", "chip:nope"], "unknown item 'chip:nope'"),
    (["diversion", "--from", "chip:h100", "--max-hops", "0"], "max_hops out of range"),
    (["diversion", "--from", "chip:h100", "--max-hops", "9"], "max_hops out of range"),
    (["diversion", "--from", "chip:h100", "--scenario", "nope"], "unknown scenario 'nope'"),
    (["diversion", "--from", "chip:h100", "--as-of", "2025-02-30"], "malformed date"),
    (["diversion", "--from", "chip:h100", "--as-of", "last week"], "malformed date"),
    (["diversion"], "exactly one of --from"),
    (["diversion", "--to", "ZZZ"], "unknown country 'ZZZ'"),
    (["diversion", "--to", "CHN", "--scenario", "nope"], "unknown scenario 'nope'"),
    (["exposure", "--scenario", "nope"], "unknown scenario 'nope'"),
    (["stakes", "--target", "firm:nope"], "unknown firm 'firm:nope'"),
    (["stakes"], "--target is required"),
    (["chokepoints", "--target", "chip:nope"], "unknown chip or input"),
    (["chokepoints", "--threshold", "0"], "threshold out of range"),
    (["chokepoints", "--remove", "firm:nobody"], "unknown country or firm"),
    (["chokepoints", "--remove", "CHN", "--limit", "-1"], "limit must be >= 0"),
    (["exposure", "--consortium", "consortium:nope"], "unknown consortium"),
    (["paths", "--from", "firm:nvidia", "--to", "firm:nope"], "unknown entity"),
    (["paths", "--from", "firm:nvidia", "--to", "firm:hub", "--types", "BOGUS"],
     "unknown relationship type"),
])
def test_bad_arguments_exit_2(cli_env: Graph, args: list[str], message: str) -> None:
    code, out = run(*args)
    assert code == 2, out
    assert message in out
    assert "Traceback" not in out


def test_bad_argument_json_error(cli_env: Graph) -> None:
    code, out = run("diversion", "--from", "chip:nope", "--json")
    assert code == 2
    err = json.loads(out)["error"]
    assert err["code"] == "NOT_FOUND" and "chip:nope" in err["message"]


def test_json_shapes(cli_env: Graph) -> None:
    code, out = run("diversion", "--from", "chip:h100", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert set(data) >= {"origin", "scenario", "as_of", "paths", "total_paths", "truncated"}
    hop = data["paths"][0]["hops"][0]
    assert set(hop) == {"type", "from_id", "from_name", "to_id", "to_name", "direction",
                        "properties", "sources", "confidence", "factor", "license"}
    for args in (["stakes", "--target", "firm:jpsub"], ["stakes", "--target", "american-stack"],
                 ["stakes", "--reverse"], ["chokepoints", "--remove", "CHN"], ["exposure"],
                 ["paths", "--from", "firm:nvidia", "--to", "firm:buyer", "--all"],
                 ["diversion", "--to", "CHN"]):
        code, out = run(*args, "--json")
        assert code == 0, (args, out)
        json.loads(out)


def test_tables(cli_env: Graph) -> None:
    code, out = run("diversion", "--from", "chip:h100")
    assert code == 0 and "Macau DC" in out and "score" in out
    code, out = run("stakes", "--target", "firm:jpsub")
    assert code == 0 and "CHN" in out
    code, out = run("paths", "--from", "firm:nvidia", "--to", "firm:buyer")
    assert code == 0 and "SHIPS_TO" in out


def test_what_if_limit(cli_env: Graph) -> None:
    """--limit bounds the listed rows; the counts say how many were left out."""
    code, out = run("chokepoints", "--remove", "CHN", "--json")
    assert code == 0, out
    full = json.loads(out)["what_if"]
    assert full["inputs_affected"] == len(full["inputs"]) and full["inputs_not_listed"] == 0
    code, out = run("chokepoints", "--remove", "CHN", "--limit", "1", "--json")
    assert code == 0, out
    one = json.loads(out)["what_if"]
    assert one["inputs"] == full["inputs"][:1]
    assert one["targets_cut_off"] == full["targets_cut_off"][:1]
    assert one["inputs_affected"] == full["inputs_affected"]
    assert one["inputs_not_listed"] == full["inputs_affected"] - len(one["inputs"])
    assert one["targets_not_listed"] == full["targets_affected"] - len(one["targets_cut_off"])


def test_chokepoints_limit_says_how_many_were_not_listed(cli_env: Graph) -> None:
    b = Builder()
    for k, share in enumerate((95.0, 60.0, 30.0)):
        b.node(f"input:cli{k}", f"Input {k}")
        b.rel("SUPPLIES", "CHN", f"input:cli{k}", share=share)
    b.load(cli_env)
    code, out = run("chokepoints", "--limit", "1", "--json")
    assert code == 0, out
    res = json.loads(out)
    assert res["inputs_total"] > 1 and len(res["inputs"]) == 1
    assert res["inputs_not_listed"] == res["inputs_total"] - 1
    code, out = run("chokepoints", "--limit", "1")
    assert code == 0, out
    assert f"{res['inputs_total']} inputs, {res['chokepoints_total']} chokepoints" in out
    assert f"{res['inputs_not_listed']} inputs not listed" in " ".join(out.split())


def test_diversion_to_honours_the_scenario(cli_env: Graph) -> None:
    """The paths into a country do not depend on the scenario; whether that country is a
    destination of concern does, and the answer says so."""
    from queries.scenarios import load_scenario

    answers = {}
    for scen in ("default", "american-monopoly"):
        code, out = run("diversion", "--to", "CHN", "--scenario", scen, "--json")
        assert code == 0, out
        answers[scen] = json.loads(out)
        assert answers[scen]["scenario"] == scen
        tier = load_scenario(scen).tier("CHN", ["D:5"])
        assert answers[scen]["tier"] == tier
        assert answers[scen]["of_concern"] is (tier == "concern")
    def paths(answer: dict[str, Any]) -> list[Any]:  # the paths, without the license views
        return [(it["item"], [{k: v for k, v in h.items() if k != "license"}
                              for h in it["path"]["hops"]]) for it in answer["items"]]

    assert paths(answers["default"]) == paths(answers["american-monopoly"])
    code, out = run("diversion", "--to", "CHN", "--scenario", "default")
    assert code == 0 and "under scenario default" in out


def test_did_you_mean_prefers_the_expected_label(cli_env: Graph) -> None:
    """A misspelt consortium id suggests consortia first, even when a firm's name
    matches the words better."""
    cli_env.write("CREATE (:Consortium:Entity {id: 'consortium:stargate-uae', "
                  "name: 'Stargate UAE'}), (:Consortium:Entity {id: 'consortium:stargate', "
                  "name: 'The Stargate Project'}), (:Firm:Entity {id: 'firm:uea-stargate', "
                  "name: 'Stargate UEA Holdings'})")
    code, out = run("exposure", "--consortium", "consortium:stargate-uea")
    assert code == 2
    hint = out[out.index("did you mean:"):].split(":", 1)[1]
    first = [x.strip() for x in hint.replace("\n", " ").split(",")]
    assert first[0] == "consortium:stargate-uae", out
    code, out = run("diversion", "--to", "CNH")
    assert code == 2 and "did you mean: CHN" in out


def test_show_everything_about_one_entity(cli_env: Graph) -> None:
    """`stackgraph show`: the record of one entity, checked against the graph itself."""
    code, out = _show("firm:jpsub", "--json")
    assert code == 0, out
    rep = json.loads(out)
    assert rep["entity"] == {"id": "firm:jpsub", "name": "Jpsub", "label": "Firm"}
    rows = cli_env.read("MATCH (n:Entity {id: 'firm:jpsub'})-[r]-(m) "
                        "RETURN type(r) AS t, startNode(r) = n AS out, m.id AS other")
    expected = sorted((r["t"], "out" if r["out"] else "in", r["other"]) for r in rows)
    got = sorted((g["type"], g["direction"], rel["other"]["id"])
                 for g in rep["relationships"] for rel in g["relationships"])
    assert got == expected and sum(g["count"] for g in rep["relationships"]) == len(rows)
    # ownership up: the Chinese parent's 60 %
    assert [[h["owner"]["id"] for h in c["hops"]] for c in rep["owners"]] == [["firm:parent"]]
    assert rep["owners"][0]["share"] == 0.6
    code, out = _show("firm:parent", "--json")
    assert [[h["owned"]["id"] for h in c["hops"]] for c in json.loads(out)["holdings"]] \
        == [["firm:jpsub"]]
    code, out = _show("firm:listed", "--json")
    assert [li["control_list"]["id"] for li in json.loads(out)["listings"]] == ["list:entity"]
    # every source cited by a relationship is listed
    code, out = _show("firm:nvidia", "--json")
    rep = json.loads(out)
    cited = {s for g in rep["relationships"] for r in g["relationships"] for s in r["sources"]}
    assert cited and cited <= {s["id"] for s in rep["cited"]}
    # the terminal page, readable at 80 columns
    code, out = _show("firm:jpsub")
    assert code == 0 and "Jpsub" in out and "<-[OWNS]-" in out and "Parent" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    code, out = _show("firm:jpsb")
    assert code == 2 and "did you mean" in out and "firm:jpsub" in out


def _show(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["show", *args], env={"COLUMNS": "80"})
    return res.exit_code, res.output + (res.stderr if res.stderr_bytes is not None else "")
