"""The schema registry: declared once, everything derived from it."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from graph.errors import SchemaError
from graph.schema import SCHEMA, SCHEMA_FILE, parse_date


def test_every_label_and_type_of_the_design_is_declared() -> None:
    raw = yaml.safe_load(SCHEMA_FILE.read_text())
    assert set(SCHEMA.labels) == set(raw["labels"])
    for label in ("Country", "Firm", "Chip", "Model", "DataCenter", "Consortium", "Input",
                  "ControlList", "Source"):
        assert label in SCHEMA.labels
    for rel in ("HEADQUARTERED_IN", "LOCATED_IN", "OWNS", "DESIGNS", "FABRICATES", "PACKAGES",
                "DEVELOPS", "TRAINED_ON", "OPERATES", "HOSTS", "SHIPS_TO", "SERVES",
                "SUPPLIES", "GOES_INTO", "TYPE_OF", "REQUIRES", "MEMBER_OF", "INCLUDES",
                "LISTED_ON"):
        assert rel in SCHEMA.rel_types


def test_registry_refuses_undeclared_names() -> None:
    assert SCHEMA.label("Firm") == "Firm"
    with pytest.raises(SchemaError, match="unknown label"):
        SCHEMA.label("Firm) DETACH DELETE (n")
    with pytest.raises(SchemaError, match="unknown relationship type"):
        SCHEMA.rel_type("OWNS]->() DELETE x //")
    assert SCHEMA.rel_types_pattern(["OWNS", "SHIPS_TO"]) == "OWNS|SHIPS_TO"


@pytest.mark.parametrize("node_id,label", [("firm:nvidia", "Firm"), ("USA", "Country"),
                                           ("chip:nvidia-h100-sxm", "Chip"),
                                           ("input:n19", "Input"), ("src:x", "Source"),
                                           ("usa", None), ("firm:", None)])
def test_label_for_id(node_id: str, label: str | None) -> None:
    assert SCHEMA.label_for_id(node_id) == label


def test_ddl_covers_every_label_once() -> None:
    names = SCHEMA.index_names()
    assert len(names) == len(set(names))
    for label in SCHEMA.labels:
        assert any(n.endswith("_id_unique") and n.replace("_", "").startswith(label.lower())
                   for n in names), label


def test_property_coercion_says_what_was_expected() -> None:
    share = SCHEMA.rel_properties["OWNS"]["share"]
    assert share.coerce("0.25") == 0.25
    with pytest.raises(ValueError, match="<= 1"):
        share.coerce(1.5)
    with pytest.raises(ValueError, match="expected a number"):
        share.coerce("a quarter")
    conf = SCHEMA.rel_properties["OWNS"]["confidence"]
    with pytest.raises(ValueError, match="high, medium, low"):
        conf.coerce("certain")


def test_partial_dates_cover_their_period() -> None:
    assert parse_date("2025") == dt.date(2025, 1, 1)
    assert parse_date("2024", end=True) == dt.date(2024, 12, 31)
    assert parse_date("2024-02", end=True) == dt.date(2024, 2, 29)
    assert parse_date("2025-05-13") == dt.date(2025, 5, 13)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("13/05/2025")
