"""The Neo4j Browser guide and style sheet, generated from the ``.cypher`` files the API
runs.

Each slide of the guide is one question: a ``:params`` block with sample parameters
(computed the way the Python question computes them: scenario tiers, the factor table)
and the query text read from its ``.cypher`` file, unchanged, so what an explorer clicks
in the Browser is exactly what the API runs. ``guide_html()`` renders the classic
Browser guide format (``:play <url>``); ``grass()`` the GraSS style (colours and captions
per label).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.db import Graph
from graph.schema import SCHEMA

QUERIES = Path(__file__).resolve().parent.parent / "queries"

SAMPLE_DAY = dt.date(2025, 6, 1)


@dataclass
class Slide:
    """One question of the guide: the query file and how to make its parameters."""

    title: str
    text: str
    cypher_file: Path
    params: Callable[[Graph | None], dict[str, Any]] = field(default=lambda g: {})

    @property
    def available(self) -> bool:
        return self.cypher_file.is_file()

    def query(self) -> str:
        return self.cypher_file.read_text(encoding="utf-8").strip()


def _concern(graph: Graph | None, scenario: str = "default") -> list[str]:
    from queries.scenarios import concern_countries, load_scenario

    scen = load_scenario(scenario)
    if graph is None:
        return sorted(scen.concern_countries)
    return concern_countries(graph, scen)


def _factors() -> dict[str, Any]:
    from queries import factors

    return factors.cypher_params()


def _diversion_params(graph: Graph | None) -> dict[str, Any]:
    return {"id": "chip:nvidia-h100-sxm", "item": "chip:nvidia-h100-sxm", "as_of": SAMPLE_DAY,
            "concern": _concern(graph), "budget": 20000, "limit": 20, **_factors()}


def _diversion_to_params(graph: Graph | None) -> dict[str, Any]:
    return {"country": "CHN", "as_of": SAMPLE_DAY, "budget": 20000, "limit": 25,
            **_factors()}


def slides() -> list[Slide]:
    """The guide's question slides, in reading order (only those whose file exists)."""
    q = QUERIES
    all_slides = [
        Slide("Diversion risk",
              "Ranked paths by which an item's hardware or access (here the H100) can reach "
              "a destination of concern under the default scenario. Each hop multiplies the "
              "score by its factor (queries/factors.py).",
              q / "diversion.cypher", _diversion_params),
        Slide("Who can reach a country",
              "The inverse question: every chip, model, data center and firm with a path "
              "into one country (here China), best path first.",
              q / "diversion_to.cypher", _diversion_to_params),
        Slide("Foreign stakes: ownership paths",
              "Every simple OWNS path into a firm (here OpenAI) with the shares on the way; "
              "the API multiplies them and attributes each owner's residual to its country.",
              q / "stakes.cypher", lambda g: {"id": "firm:openai", "as_of": SAMPLE_DAY}),
        Slide("The American stack",
              "US-headquartered firms of the stack kinds, whose foreign owners the API "
              "totals by country.",
              q / "american_stack.cypher",
              lambda g: {"kinds": ["ai_lab", "cloud", "chip_designer", "foundry", "memory",
                                   "equipment", "datacenter_operator"], "as_of": SAMPLE_DAY}),
        Slide("American stakes abroad",
              "Foreign firms an American owner reaches through OWNS paths.",
              q / "stakes_reverse.cypher", lambda g: {"as_of": SAMPLE_DAY}),
        Slide("Chokepoints: concentration per input",
              "Providers of every supply-chain input with their shares (percent of world "
              "market) and headquarters countries; the API computes top shares and HHI "
              "from these rows and flags inputs whose top country holds 90% or more.",
              q / "concentration.cypher",
              lambda g: {"ids": None, "as_of": SAMPLE_DAY, "with_hq": True}),
        Slide("Chokepoints upstream of a chip",
              "The inputs an H100 depends on, through REQUIRES, GOES_INTO and TYPE_OF.",
              q / "upstream.cypher", lambda g: {"id": "chip:nvidia-h100-sxm",
                                                "as_of": SAMPLE_DAY}),
        Slide("What if Taiwan is removed",
              "Inputs that lose a provider when a country (here TWN) or a firm is taken out "
              "of the supply chain.",
              q / "affected_inputs.cypher", lambda g: {"removed": ["TWN"],
                                                       "as_of": SAMPLE_DAY}),
        Slide("Consortium exposure",
              "Every consortium with its members, their headquarters and control listings, "
              "and what it includes by layer with the countries of origin.",
              q / "exposure.cypher", lambda g: {"id": None, "as_of": SAMPLE_DAY}),
        Slide("Shortest paths between two entities",
              "The analyst's general tool: shortest paths from TSMC to OpenAI over any "
              "relationship type.",
              q / "paths.cypher", lambda g: {"from": "firm:tsmc", "to": "firm:openai",
                                             "types": None, "as_of": SAMPLE_DAY,
                                             "limit": 10, "budget": 20000}),
    ]
    return [s for s in all_slides if s.available]


# -- Cypher literals for :params ---------------------------------------------------------

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def cypher_literal(value: Any) -> str:
    """A Python value as a Cypher literal (for the ``:params`` blocks)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.date):
        return f"date('{value.isoformat()}')"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            key = k if _KEY.match(str(k)) else "`" + str(k).replace("`", "``") + "`"
            items.append(f"{key}: {cypher_literal(v)}")
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"no Cypher literal for {type(value).__name__}")


def params_command(params: dict[str, Any]) -> str:
    return ":params " + cypher_literal(params)


# -- rendering -----------------------------------------------------------------------

def _pre(code: str) -> str:
    return ('<pre mode="cypher" class="pre-scrollable code runnable">'
            + html.escape(code) + "</pre>")


def guide_html(graph: Graph | None = None, api_url: str = "http://127.0.0.1:8000") -> str:
    """The Browser guide: an intro slide, then per question the parameters and the query
    (both clickable), then a slide on GraphQL."""
    parts = ['<article class="guide">', '<carousel class="deck container-fluid">']
    parts.append(
        '<slide class="row-fluid"><div class="col-sm-12">'
        "<h3>stackgraph: the AI stack as a graph</h3>"
        "<p class=\"lead\">Firms, chips, models, data centers, countries and consortia, with "
        "sourced relationships. Each following slide is one analytic question: click the "
        "<code>:params</code> block first, then the query. These are the very "
        "<code>.cypher</code> files the GraphQL API runs.</p>"
        + _pre("MATCH (n:Entity) RETURN labels(n)[0] AS label, count(*) AS nodes "
               "ORDER BY nodes DESC")
        + _pre("MATCH (f:Firm {id: 'firm:nvidia'})-[r]-(x) RETURN f, r, x LIMIT 50")
        + "</div></slide>")
    for s in slides():
        params = s.params(graph)
        parts.append(
            '<slide class="row-fluid"><div class="col-sm-12">'
            f"<h3>{html.escape(s.title)}</h3>"
            f"<p>{html.escape(s.text)}</p>"
            f"<p><small>query: <code>queries/{html.escape(s.cypher_file.name)}</code>"
            "</small></p>"
            + _pre(params_command(params)) + _pre(s.query()) + "</div></slide>")
    parts.append(
        '<slide class="row-fluid"><div class="col-sm-12">'
        "<h3>The same questions over GraphQL</h3>"
        f'<p>GraphiQL: <a href="{html.escape(api_url)}/graphql" target="_blank">'
        f"{html.escape(api_url)}/graphql</a>; dashboard: "
        f'<a href="{html.escape(api_url)}/" target="_blank">{html.escape(api_url)}/</a>.</p>'
        "</div></slide>")
    parts.append("</carousel></article>")
    return "\n".join(parts) + "\n"


def guide_queries(graph: Graph | None) -> list[tuple[str, dict[str, Any] | None, str]]:
    """(slide title, params or None, query) for every runnable block, as the Browser would
    run them; used by the test that runs the whole guide."""
    out: list[tuple[str, dict[str, Any] | None, str]] = []
    for s in slides():
        out.append((s.title, s.params(graph), s.query()))
    return out


def grass() -> str:
    """The GraSS style sheet: a colour and a caption (the name) per label."""
    lines = ["node {", "  diameter: 50px;", "  color: #A5ABB6;", "  border-color: #9AA1AC;",
             "  border-width: 2px;", "  text-color-internal: #FFFFFF;", "  font-size: 10px;",
             "}", "relationship {", "  color: #A5ABB6;", "  shaft-width: 1px;",
             "  font-size: 8px;", "  padding: 3px;", "  text-color-external: #000000;",
             "  text-color-internal: #FFFFFF;", "  caption: '<type>';", "}"]
    for label in sorted(SCHEMA.labels):
        st = SCHEMA.labels[label].style  # graph/schema.yaml
        lines += [f"node.{label} {{", f"  color: {st.color};", f"  border-color: {st.border};",
                  f"  text-color-internal: {st.text};", f"  diameter: {st.diameter}px;",
                  "  caption: '{name}';", "}"]
    for rel in SCHEMA.rel_types.values():
        if rel.style.shaft_width != 1:
            lines += [f"relationship.{rel.name} {{", f"  shaft-width: {rel.style.shaft_width}px;",
                      "}"]
    return "\n".join(lines) + "\n"


def write_docs(out_dir: Path, graph: Graph | None = None,
               api_url: str = "http://127.0.0.1:8000") -> list[Path]:
    """Write the guide and style under ``out_dir`` (docs/browser/)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    guide = out_dir / "guide.html"
    style = out_dir / "stackgraph.grass"
    guide.write_text(guide_html(graph, api_url), encoding="utf-8")
    style.write_text(grass(), encoding="utf-8")
    return [guide, style]
