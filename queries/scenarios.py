"""Policy scenarios: which countries are destinations of concern, trusted, or in between.

A scenario is a YAML file (format in data/README.md and queries/README.md); the bundled
ones live in ``data/scenarios/``, and a user may pass the path of their own. Tiers are
resolved against the Country nodes of the graph, because EAR country groups
(``bis_country_groups``) are held there:

* an explicitly listed country wins over groups, and ``concern`` wins over ``trusted``;
* a country in none of the lists takes the scenario's ``default_tier``.

Risk questions receive the resolved set of concern ISO3 codes as a query parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from graph.db import Graph
from graph.errors import BadArgument
from queries.countries import CountryTable, country_table
from queries.policy_rules import RuleSet, parse_rules

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "data" / "scenarios"
DEFAULT_SCENARIO = "default"
TIERS = ("trusted", "between", "concern")

#: Used only when data/scenarios/default.yaml is absent: the product's default,
#: D:5 (US arms embargo) plus Macau = tier 3 of the January 2025 AI diffusion framework.
BUILTIN_DEFAULT: dict[str, Any] = {
    "id": DEFAULT_SCENARIO,
    "name": "Default: D:5 plus Macau (AI diffusion framework tier 3)",
    "description": "Destinations of concern are the US arms-embargoed countries (EAR "
                   "Country Group D:5) and Macau, as tier 3 of the AI diffusion framework.",
    "confidence": "medium",
    "tiers": {"trusted": {"countries": [], "groups": []},
              "concern": {"countries": ["MAC"], "groups": ["D:5"]}},
    "default_tier": "between",
}


@dataclass(frozen=True)
class Scenario:
    id: str
    name: str
    description: str = ""
    trusted_countries: frozenset[str] = frozenset()
    trusted_groups: frozenset[str] = frozenset()
    concern_countries: frozenset[str] = frozenset()
    concern_groups: frozenset[str] = frozenset()
    default_tier: str = "between"
    sources: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    path: str | None = None
    #: export-control rules (queries/policy_rules.py; format in data/README.md)
    rules: RuleSet = field(default_factory=RuleSet)
    #: what the public debate proposes, and what is our reading of it (said plainly)
    proposal: str = ""
    our_reading: str = ""

    def tier(self, iso3: str, groups: list[str] | None) -> str:
        """The tier of one country given its EAR groups (rules in the module docstring)."""
        if iso3 in self.concern_countries:
            return "concern"
        if iso3 in self.trusted_countries:
            return "trusted"
        gs = set(groups or [])
        if gs & self.concern_groups:
            return "concern"
        if gs & self.trusted_groups:
            return "trusted"
        return self.default_tier


def known_scenarios() -> list[str]:
    ids = {p.stem for p in SCENARIO_DIR.glob("*.yaml")} if SCENARIO_DIR.is_dir() else set()
    return sorted(ids | {DEFAULT_SCENARIO})


def _codes(raw: Any, where: str) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise BadArgument(f"{where}: expected a list of text, got {raw!r}")
    return frozenset(x.strip() for x in raw)


def parse_scenario(raw: Any, where: str) -> Scenario:
    """Check and read one scenario document; errors name the file and field."""
    if not isinstance(raw, dict):
        raise BadArgument(f"{where}: a scenario file must be a mapping")
    for key in ("id", "name"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise BadArgument(f"{where}: field {key!r} is required (text)")
    tiers = raw.get("tiers") or {}
    if not isinstance(tiers, dict):
        raise BadArgument(f"{where}: field 'tiers' must be a mapping of trusted/concern")
    unknown = set(tiers) - {"trusted", "concern", "between"}
    if unknown:
        raise BadArgument(f"{where}: field 'tiers' has unknown tier(s) {sorted(unknown)}",
                          hint="expected trusted and concern")
    default_tier = raw.get("default_tier", "between")
    if default_tier not in TIERS:
        raise BadArgument(f"{where}: field 'default_tier' is {default_tier!r}",
                          hint=f"expected one of {', '.join(TIERS)}")

    def part(tier: str, key: str) -> frozenset[str]:
        spec = tiers.get(tier) or {}
        if not isinstance(spec, dict):
            raise BadArgument(f"{where}: field 'tiers.{tier}' must be a mapping")
        return _codes(spec.get(key), f"{where}: field 'tiers.{tier}.{key}'")

    sources = raw.get("sources") or []
    return Scenario(
        id=raw["id"].strip(), name=raw["name"].strip(),
        description=str(raw.get("description") or "").strip(),
        trusted_countries=part("trusted", "countries"), trusted_groups=part("trusted", "groups"),
        concern_countries=part("concern", "countries"), concern_groups=part("concern", "groups"),
        default_tier=default_tier,
        sources=tuple(s for s in sources if isinstance(s, dict)),
        path=where,
        rules=parse_rules(raw.get("rules"), where),
        proposal=str(raw.get("proposal") or "").strip(),
        our_reading=str(raw.get("our_reading") or "").strip(),
    )


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BadArgument(f"{path}: not valid YAML: {exc}") from None


def with_base_rules(raw: Any, where: Path, seen: tuple[str, ...] = ()) -> Any:
    """A scenario's document with the rules of its ``base`` scenario merged in.

    ``base: <scenario id>`` starts from that scenario's rules; ``drop: [rule ids]`` removes
    some; a rule of this file with the id of a base rule replaces it. So a debate option
    says only how it differs from the rules it starts from."""
    if not isinstance(raw, dict) or raw.get("base") is None:
        return raw
    base = raw["base"]
    if not isinstance(base, str) or not (SCENARIO_DIR / f"{base}.yaml").is_file():
        raise BadArgument(f"{where}: field 'base' is {base!r}",
                          hint="expected a bundled scenario id: " + ", ".join(known_scenarios()))
    if base in seen:
        raise BadArgument(f"{where}: field 'base' makes a cycle: {' -> '.join(seen + (base,))}")
    parent = with_base_rules(_read_yaml(SCENARIO_DIR / f"{base}.yaml"),
                             SCENARIO_DIR / f"{base}.yaml", seen + (base,))
    own = raw.get("rules") or []
    if not isinstance(own, list):
        return raw  # parse_rules reports it
    drop = raw.get("drop") or []
    if not isinstance(drop, list):
        raise BadArgument(f"{where}: field 'drop' must be a list of rule ids")
    base_rules = [r for r in (parent.get("rules") or []) if isinstance(r, dict)]
    unknown = set(drop) - {r.get("id") for r in base_rules}
    if unknown:
        raise BadArgument(f"{where}: field 'drop' names rules {sorted(unknown)} that "
                          f"scenario {base!r} does not have")
    mine = {r.get("id") for r in own if isinstance(r, dict)}
    merged = [r for r in base_rules if r.get("id") not in set(drop) | mine] + own
    return {**raw, "rules": merged}


@cache
def _load_file(path: Path, mtime: float) -> Scenario:
    return parse_scenario(with_base_rules(_read_yaml(path), path), str(path))


def scenario_stamp(name: str | None) -> tuple[str, float]:
    """A bundled scenario's id and its file's modification time (0 for the built-in
    default): an answer kept for a scenario is not reused once its file changes."""
    text = DEFAULT_SCENARIO if name is None or not name.strip() else name.strip()
    path = SCENARIO_DIR / f"{text}.yaml"
    return text, path.stat().st_mtime if path.is_file() else 0.0


def load_scenario(name: str | Path | None = None) -> Scenario:
    """A scenario by bundled id (``default``, ``arms-embargo``, ...) or by file path."""
    if isinstance(name, Scenario):  # already loaded
        return name
    name = DEFAULT_SCENARIO if name is None or str(name).strip() == "" else name
    text = str(name).strip()
    path = Path(text)
    looks_like_path = text.endswith((".yaml", ".yml")) or "/" in text
    if not looks_like_path:
        path = SCENARIO_DIR / f"{text}.yaml"
    if path.is_file():
        return _load_file(path.resolve(), path.stat().st_mtime)
    if text == DEFAULT_SCENARIO:
        return parse_scenario(BUILTIN_DEFAULT, "<built-in default>")
    if looks_like_path:
        raise BadArgument(f"scenario file not found: {text}",
                          hint="pass a bundled scenario id or the path of a YAML file")
    raise BadArgument(f"unknown scenario {text!r}",
                      hint="known scenarios: " + ", ".join(known_scenarios())
                      + " (or the path of your own YAML file)")


def country_tiers(graph: Graph, scenario: Scenario) -> dict[str, str]:
    """Tier of every Country in the graph (plus listed countries absent from it)."""
    return tiers_of(country_table(graph), scenario)


def tiers_of(table: CountryTable, scenario: Scenario) -> dict[str, str]:
    """Tier of every country of ``table`` (plus listed countries absent from it)."""
    tiers = {iso3: scenario.tier(iso3, groups) for iso3, groups in table.plain.items()}
    for iso3 in scenario.concern_countries | scenario.trusted_countries:
        tiers.setdefault(iso3, scenario.tier(iso3, []))
    return tiers


def concern_countries(graph: Graph, scenario: Scenario) -> list[str]:
    """ISO3 codes of the destinations of concern under ``scenario``, sorted."""
    return sorted(c for c, t in country_tiers(graph, scenario).items() if t == "concern")
