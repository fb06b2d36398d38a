"""On the real ETO data: the chokepoints the graph shows are exactly the ones the CSV's
shares imply, computed here straight from the CSV files (no stackgraph code)."""

from __future__ import annotations

import csv
from collections import defaultdict

import pycountry
import pytest

from graph.db import Graph
from ingest.bundled import load_bundled
from queries.chokepoints import chokepoints
from tests.conftest import ETO_DIR


def csv_country_shares() -> dict[str, dict[str, float]]:
    """input id -> country -> percent share: the country rows where an input has them,
    else its firms' shares summed by the firm's country column. Pseudo-providers
    ("Various countries", "EUR" = Europe, "Various companies") are not countries or firms
    and are left out, as the importer rejects them."""
    with open(ETO_DIR / "providers.csv", encoding="utf-8") as f:
        providers = {r["provider_id"]: r for r in csv.DictReader(f)}
    with open(ETO_DIR / "provision.csv", encoding="utf-8") as f:
        provision = list(csv.DictReader(f))

    def iso(code: str) -> bool:
        return len(code) == 3 and pycountry.countries.get(alpha_3=code) is not None

    by_country: dict[str, dict[str, float]] = defaultdict(dict)
    by_firm_hq: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in provision:
        if not row["share_provided"].strip():
            continue
        p = providers[row["provider_id"]]
        nid = "input:" + row["provided_id"].lower()
        share = float(row["share_provided"])
        if p["provider_type"] == "country":
            if iso(p["provider_name"]):
                by_country[nid][p["provider_name"]] = share
        elif not p["provider_name"].lower().startswith("various") and iso(p["country"]):
            by_firm_hq[nid][p["country"]] += share
    out = {k: dict(v) for k, v in by_firm_hq.items()}
    out.update(by_country)  # country rows win where present
    return out


@pytest.mark.parametrize("threshold", [90.0, 50.0])
def test_eto_chokepoints_match_the_csv(graph: Graph, threshold: float) -> None:
    load_bundled(graph)
    res = chokepoints(graph, threshold=threshold, limit=None)
    shares = csv_country_shares()
    want = {i for i, cs in shares.items() if cs and max(cs.values()) >= threshold}
    got = {c for c in res.chokepoints if c.startswith("input:n") or c.startswith("input:s")}
    assert want, "the CSV implies chokepoints at this threshold"
    assert got == want
    by_id = {i.input.id: i for i in res.inputs}
    for nid, cs in shares.items():
        ic = by_id[nid]
        assert ic.by_country.top_share == pytest.approx(max(cs.values()))
        assert ic.by_country.hhi == pytest.approx(sum(s * s for s in cs.values()))


def test_unattributed_and_regional_shares_are_shown(graph: Graph) -> None:
    """ETO's "Various countries", "Various companies" and "EUR" rows are shares of the
    market: each input's answer shows them (computed here from the CSV), and an input
    given wholly to them is not an input without supply."""
    with open(ETO_DIR / "provision.csv", encoding="utf-8") as f:
        provision = list(csv.DictReader(f))
    pseudo = {"P5": "countries", "P370": "firms", "P312": "EUR"}
    want: dict[str, dict[str, float]] = defaultdict(dict)
    real: set[str] = set()
    for row in provision:
        nid = "input:" + row["provided_id"].lower()
        if row["provider_id"] in pseudo:
            if row["share_provided"].strip():
                want[nid][pseudo[row["provider_id"]]] = float(row["share_provided"])
        else:
            real.add(nid)
    assert sum(len(v) for v in want.values()) == 139
    load_bundled(graph)
    by_id = {i.input.id: i for i in chokepoints(graph, structure=False, limit=None).inputs}
    for nid, shares in want.items():
        ic = by_id[nid]
        assert ic.by_country.unattributed_share == shares.get("countries")
        assert ic.by_firm.unattributed_share == shares.get("firms")
        assert [(r.id, r.share) for r in ic.by_country.regions] == (
            [("EUR", shares["EUR"])] if "EUR" in shares else [])
        assert ic.country_basis != "none"
    only_pseudo = set(want) - real
    assert only_pseudo, "ETO gives some inputs only to pseudo-providers"
    for nid in only_pseudo:
        assert by_id[nid].by_country.top is None
        assert by_id[nid].by_country.unattributed_share or by_id[nid].by_country.regions
