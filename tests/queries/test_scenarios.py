"""Policy scenarios: the bundled files parse, tiers resolve by the documented rules, a
user's file is read by path, bad files and ids get clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph.db import Graph
from graph.errors import BadArgument
from queries import factors
from queries.scenarios import (
    SCENARIO_DIR,
    concern_countries,
    known_scenarios,
    load_scenario,
    parse_scenario,
)
from tests.queries.builder import Builder


def test_bundled_scenarios_parse() -> None:
    ids = known_scenarios()
    assert "default" in ids
    for sid in ids:
        assert load_scenario(sid).id == sid


def test_tier_rules() -> None:
    s = parse_scenario({"id": "x", "name": "x", "default_tier": "trusted", "tiers": {
        "trusted": {"countries": ["HKG"], "groups": ["A:5"]},
        "concern": {"countries": ["MAC"], "groups": ["D:5", "A:5"]}}}, "x")
    assert s.tier("MAC", ["A:5"]) == "concern"       # explicit country
    assert s.tier("HKG", ["D:5"]) == "trusted"       # explicit country beats group
    assert s.tier("DEU", ["A:5"]) == "concern"       # concern group beats trusted group
    assert s.tier("BRA", []) == "trusted"            # default tier


def test_user_file_and_errors(graph: Graph, tmp_path: Path) -> None:
    b = Builder()
    b.node("CHN", label="Country", bis_country_groups=["D:5"])
    b.node("USA", label="Country", bis_country_groups=["A:5"])
    b.load(graph)
    f = tmp_path / "mine.yaml"
    f.write_text("id: mine\nname: Mine\ntiers:\n  concern: {countries: [USA]}\n")
    assert concern_countries(graph, load_scenario(str(f))) == ["USA"]
    assert concern_countries(graph, load_scenario("default")) == ["CHN", "MAC"]
    with pytest.raises(BadArgument, match="known scenarios"):
        load_scenario("nope")
    with pytest.raises(BadArgument, match="not found"):
        load_scenario(str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nname: Bad\ndefault_tier: maybe\n")
    with pytest.raises(BadArgument, match="default_tier"):
        load_scenario(str(bad))


def test_factor_table_matches_the_cypher() -> None:
    """The relationship types the diversion queries traverse are the table's."""
    for name in ("diversion", "diversion_to"):
        text = (Path(factors.__file__).with_name(f"{name}.cypher")).read_text()
        types = re.search(r"\[r:([A-Z_|]+)\]", text)
        assert types and set(types.group(1).split("|")) == set(factors.FLOW_TYPES)
    for step, (f, _why) in factors.STEPS.items():
        assert 0 < f <= 1 and step[-1] in "<>"
    assert SCENARIO_DIR.is_dir()
