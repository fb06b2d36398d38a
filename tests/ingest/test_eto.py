"""The ETO importer on the real dataset: counts derived independently from the CSVs."""

from __future__ import annotations

import csv
from pathlib import Path

import pycountry
import pytest

from graph.db import Graph
from ingest.eto import SOURCE_ID, input_id, read_eto
from ingest.pipeline import list_source, run_load
from tests.conftest import ETO_DIR
from tests.ingest.helpers import count, load_countries


def rows(name: str) -> list[dict[str, str]]:
    with (ETO_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def is_iso3(code: str) -> bool:
    return len(code) == 3 and code.isupper() and pycountry.countries.get(alpha_3=code) is not None


def pseudo_providers() -> set[str]:
    """P-ids that are no real country or firm: not an ISO3 country; or an organisation
    named "Various ..." or without an ISO3 country."""
    out = set()
    for r in rows("providers.csv"):
        if r["provider_type"] == "country" and not is_iso3(r["provider_name"]):
            out.add(r["provider_id"])
        if r["provider_type"] == "organization" and (
                r["provider_name"].lower().startswith("various") or not is_iso3(r["country"])):
            out.add(r["provider_id"])
    return out


@pytest.fixture()
def eto_loaded(graph: Graph):  # type: ignore[no-untyped-def]
    load_countries(graph)
    summary = run_load(graph, list_source(read_eto(ETO_DIR)), progress=False)
    return graph, summary


def test_eto_counts_match_the_csvs(eto_loaded) -> None:  # type: ignore[no-untyped-def]
    graph, summary = eto_loaded
    pseudo = pseudo_providers()
    assert pseudo == {"P5", "P312", "P370"}  # Various countries, EUR, Various companies
    provision = rows("provision.csv")
    valid = [r for r in provision if r["provider_id"] not in pseudo]
    orgs = {r["provider_id"] for r in rows("providers.csv")
            if r["provider_type"] == "organization" and r["provider_id"] not in pseudo}
    inputs, stages, seq = rows("inputs.csv"), rows("stages.csv"), rows("sequence.csv")

    assert count(graph, "MATCH (n:Input) RETURN count(n) AS n") == len(inputs) + len(stages)
    assert count(graph, "MATCH ()-[r:SUPPLIES]->() RETURN count(r) AS n") == len(valid)
    assert count(graph, "MATCH (f:Firm) RETURN count(f) AS n") == len(orgs)
    assert count(graph, "MATCH (:Firm)-[r:HEADQUARTERED_IN]->(:Country) "
                        "RETURN count(r) AS n") == len(orgs)
    assert count(graph, "MATCH ()-[r:GOES_INTO]->() RETURN count(r) AS n") == sum(
        1 for r in seq if r["goes_into_id"])
    assert count(graph, "MATCH ()-[r:TYPE_OF]->() RETURN count(r) AS n") == sum(
        1 for r in seq if r["is_type_of_id"])
    # every provision row is kept: a pseudo-provider's share is stored on its input
    assert not summary.rejections, summary.rejections[:3]
    prop = {"P5": "unattributed_country_share", "P370": "unattributed_firm_share",
            "P312": "europe_share"}
    expected = {(input_id(r["provided_id"]), prop[r["provider_id"]]): float(r["share_provided"])
                for r in provision if r["provider_id"] in pseudo and r["share_provided"]}
    assert len(expected) == len(provision) - len(valid) == 139
    stored = graph.read("MATCH (i:Input) UNWIND $props AS p WITH i, p WHERE i[p] IS NOT NULL "
                        "RETURN i.id AS id, p AS prop, i[p] AS share",
                        {"props": sorted(set(prop.values()))})
    assert {(r["id"], r["prop"]): r["share"] for r in stored} == expected
    # repeated provider rows (same P-id, another alias) are merged, not reported
    providers = rows("providers.csv")
    assert len(providers) > len({r["provider_id"] for r in providers})


def test_eto_values_and_provenance(eto_loaded) -> None:  # type: ignore[no-untyped-def]
    graph, _ = eto_loaded
    pseudo = pseudo_providers()
    valid = [r for r in rows("provision.csv") if r["provider_id"] not in pseudo]
    expected_total = sum(float(r["share_provided"]) for r in valid if r["share_provided"])
    got = graph.read("MATCH ()-[r:SUPPLIES]->() RETURN sum(r.share) AS s, "
                     "count(r.share) AS n")[0]
    assert got["n"] == sum(1 for r in valid if r["share_provided"])
    assert got["s"] == pytest.approx(expected_total)
    # ids are the ETO ids in lower case, the USA's share of N0 is the CSV's
    usa_n0 = [float(r["share_provided"]) for r in valid
              if r["provider_name"] == "USA" and r["provided_id"] == "N0"]
    stored = graph.read("MATCH (:Country {id: 'USA'})-[r:SUPPLIES]->(:Input {id: 'input:n0'}) "
                        "RETURN r.share AS s, r.year AS y")
    assert [r["s"] for r in stored] == usa_n0
    # every fact cites ETO with a confidence; the source node is there (the country-groups
    # file's own dated histories, HAS_VALUE, cite that file's sources)
    assert count(graph, "MATCH ()-[r]->() WHERE type(r) <> 'HAS_VALUE' AND "
                        "(NOT $s IN r.sources OR r.confidence IS NULL) "
                        "RETURN count(r) AS n", s=SOURCE_ID) == 0
    src = graph.read("MATCH (s:Source {id: $s}) RETURN s.publisher AS p, s.license AS l, "
                     "toString(s.published) AS d", {"s": SOURCE_ID})
    assert src == [{"p": "Emerging Technology Observatory, Georgetown CSET",
                    "l": "CC BY-NC 4.0", "d": "2026-08-14"}]
    # repeated provider rows merged their aliases into one node
    aliases = graph.read("MATCH (f:Firm {name: 'Onto Innovation'}) RETURN f.aliases AS a")
    assert len(aliases) == 1
    assert {"Rudolph Technologies", "Nanometrics"} <= set(aliases[0]["a"])


def test_eto_reload_is_idempotent(eto_loaded) -> None:  # type: ignore[no-untyped-def]
    from tests.ingest.helpers import snapshot

    graph, first = eto_loaded
    before = snapshot(graph)
    second = run_load(graph, list_source(read_eto(ETO_DIR)), progress=False)
    assert snapshot(graph) == before
    for name, c in second.rels.items():
        assert c.created == 0 and c.updated == 0, name
        assert c.unchanged == first.rels[name].created, name
    for name, c in second.nodes.items():
        assert c.created == 0 and c.updated == 0, name


def test_curated_firms_resolve_to_the_same_node(graph: Graph, tmp_path: Path) -> None:
    """A curated firm named like an ETO provider (by name or alias, any case or legal
    suffix) receives that provider's SUPPLIES; no second node is created."""
    from ingest.curated import read_curated
    from ingest.formats import build_source
    from tests.ingest.helpers import write

    load_countries(graph)
    write(tmp_path / "firms.yaml", """
    sources:
      - {id: src:t, title: T, publisher: P}
    nodes:
      - {label: Firm, id: firm:tsmc, name: Taiwan Semiconductor Manufacturing Company,
         aliases: [TSMC], sources: [src:t], confidence: high}
      - {label: Firm, id: firm:tel, name: "Tokyo Electron Ltd.", sources: [src:t]}
      - {label: Firm, id: firm:asml, name: "ASML Holding N.V.", sources: [src:t]}
    """)
    assert read_curated([tmp_path])
    source = build_source([tmp_path, ETO_DIR], None, graph)
    run_load(graph, source, progress=False)
    for firm_id, eto_name in (("firm:tsmc", "TSMC"), ("firm:tel", "Tokyo Electron"),
                              ("firm:asml", "ASML")):
        expected = sum(1 for r in rows("provision.csv") if r["provider_name"] == eto_name)
        assert expected > 0
        assert count(graph, "MATCH (:Firm {id: $f})-[r:SUPPLIES]->() RETURN count(r) AS n",
                     f=firm_id) == expected
        assert count(graph, "MATCH (f:Firm) WHERE f.name = $n RETURN count(f) AS n",
                     n=eto_name) == 0
