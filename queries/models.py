"""Typed answers of the questions. ``model.model_dump(mode="json")`` is the documented
``--json`` shape (queries/README.md); the GraphQL API maps these models to its types.

Every answer carries what it rests on: paths of ``Hop`` values, each with the
relationship's type, properties, sources and confidence.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class EntityRef(BaseModel):
    """A node of the graph, named."""

    id: str = Field(description="stable id, e.g. firm:nvidia or USA")
    name: str = Field(description="display name")
    label: str = Field(description="domain label: Firm, Chip, Model, DataCenter, Country, ...")


class SourceRef(BaseModel):
    id: str = Field(description="Source node id (src:...)")
    title: str | None = Field(default=None, description="title, when the Source node exists")


class LicenseView(BaseModel):
    """The license status of one item at one party under the question's scenario
    (queries/license.py), with what the data records for the shipment, if anything."""

    item: str = Field(description="chip or model id")
    party: str = Field(description="the party the hop reaches")
    required: bool | None = Field(description="true: license required; null: undetermined")
    policy: str = Field(description="the resulting policy")
    rules: str = Field(description="ids of the rules that applied, comma-separated (a "
                                   "string, not a list: hops are nested lists already)")
    recorded: str | None = Field(default=None, description="license recorded on the "
                                                           "shipment: granted, denied, "
                                                           "pending; null: none recorded")
    recorded_date: str | None = Field(default=None, description="when, as reported")
    at_risk: bool = Field(description="a license is (or may be) required, or the policy is "
                                      "a presumption of denial, and none is recorded granted")


class Hop(BaseModel):
    """One relationship on a path, in the direction the path walks it."""

    type: str = Field(description="relationship type, e.g. SHIPS_TO")
    from_id: str = Field(description="id of the node the hop leaves")
    from_name: str
    to_id: str = Field(description="id of the node the hop reaches")
    to_name: str
    direction: str = Field(description="'forward' when the path follows the stored "
                                       "direction, 'backward' when it walks it in reverse")
    properties: dict[str, Any] = Field(default_factory=dict,
                                       description="the relationship's own properties "
                                                   "(share, item, channel, since, until ...)")
    sources: list[SourceRef] = Field(default_factory=list)
    confidence: str | None = Field(default=None, description="high, medium or low")
    factor: float | None = Field(default=None,
                                 description="diversion factor of the hop (queries/factors.py)"
                                             "; null outside diversion")
    license: dict[str, Any] | None = Field(
        default=None, description="diversion: the license status of the item this hop moves "
        "at the party it reaches (a LicenseView: item, party, required, policy, rules, "
        "recorded, recorded_date, at_risk); null for hops that move no known item")


class Path(BaseModel):
    hops: list[Hop]
    length: int = Field(description="number of hops")


# -- diversion --------------------------------------------------------------------------

class DiversionPath(Path):
    score: float = Field(description="product of the hop factors, in (0, 1]")
    destination: EntityRef = Field(description="the node of concern the path reaches")
    reasons: list[str] = Field(description="why the destination is of concern")
    license_risk: bool = Field(default=False, description="an item reaches a party that "
                                                          "would need a license (or faces "
                                                          "presumption of denial) and no "
                                                          "granted license is recorded")


class DiversionResult(BaseModel):
    origin: EntityRef
    scenario: str = Field(description="scenario id")
    scenario_name: str
    as_of: dt.date
    max_hops: int
    concern_countries: list[str] = Field(description="ISO3 codes of concern under the scenario")
    origin_reasons: list[str] = Field(description="non-empty when the origin itself is a "
                                                  "destination of concern")
    paths: list[DiversionPath] = Field(description="ranked: score desc, then fewer hops")
    total_paths: int = Field(description="paths found before the limit")
    truncated: bool = Field(description="true when the search hit its path budget: the "
                                        "answer may miss paths")


class ReachingItem(BaseModel):
    item: EntityRef
    score: float = Field(description="score of its best path")
    length: int = Field(description="hops of its best path")
    path: DiversionPath
    license_risk: bool = Field(default=False, description="its best path is at license risk "
                                                          "under the scenario (see "
                                                          "DiversionPath.license_risk)")


class DiversionToResult(BaseModel):
    country: EntityRef
    as_of: dt.date
    max_hops: int
    items: list[ReachingItem] = Field(description="every chip, model, data center and firm "
                                                  "that can reach the country, best first")
    truncated: bool
    scenario: str = Field(default="default", description="the policy scenario's id")
    scenario_name: str = ""
    tier: str = Field(default="", description="the country's tier under the scenario: "
                                              "trusted, between or concern")
    of_concern: bool = Field(default=False, description="whether the scenario counts the "
                                                        "country as a destination of concern")


# -- stakes -----------------------------------------------------------------------------

class Bounds(BaseModel):
    """A share in 0..1; ``low`` < ``high`` only where some share on the way is unknown."""

    low: float
    high: float
    exact: bool = Field(description="true when low == high (every share known)")


class StakePath(BaseModel):
    hops: list[Hop] = Field(description="OWNS hops from the owner down to the target")
    product: Bounds = Field(description="product of the shares (unknown share: 0 low; high: "
                                        "what the known shares of the same owned firm "
                                        "leave)")


class OwnerStake(BaseModel):
    owner: EntityRef
    country: str | None = Field(description="owner's headquarters ISO3 (a Country: itself); "
                                            "null when unknown")
    effective: Bounds = Field(description="sum over simple OWNS paths of the share products")
    residual: Bounds = Field(description="effective x (1 - shares the owner's own owners "
                                         "hold in it): the part attributed to its country")
    paths: list[StakePath]


class CountryStake(BaseModel):
    country: str = Field(description="ISO3, or 'unknown' for owners without a headquarters")
    stake: Bounds
    foreign: bool
    owners: list[str] = Field(description="ids of the owners whose residuals make it up")


class StakesResult(BaseModel):
    target: EntityRef
    country: str | None = Field(description="the target's headquarters ISO3")
    as_of: dt.date
    max_depth: int
    owners: list[OwnerStake] = Field(description="by effective stake, largest first")
    by_country: list[CountryStake]
    foreign_share: Bounds = Field(description="sum of residual stakes of countries other "
                                              "than the target's (unknown country counted in "
                                              "high only)")


class StackFirmRow(BaseModel):
    firm: EntityRef
    kinds: list[str]
    foreign_share: Bounds
    by_country: list[CountryStake] = Field(description="foreign countries only")


class StackCountryAggregate(BaseModel):
    country: str
    firms: int = Field(description="American-stack firms in which it holds a stake "
                                   "(high bound > 0)")
    total: Bounds = Field(description="sum of its stakes over those firms (firm-equivalents)")
    max: Bounds = Field(description="its largest stake in one firm")


class AmericanStackResult(BaseModel):
    as_of: dt.date
    firms: list[StackFirmRow]
    aggregate: list[StackCountryAggregate]


class ReverseRow(BaseModel):
    firm: EntityRef
    country: str | None
    american_share: Bounds = Field(description="residual stake attributed to USA")
    owners: list[OwnerStake] = Field(description="the American owners")


class ReverseStakesResult(BaseModel):
    as_of: dt.date
    firms: list[ReverseRow]


# -- chokepoints ------------------------------------------------------------------------

class ProviderShare(BaseModel):
    id: str
    name: str
    share: float | None = Field(description="percent of world market; null when unreported")


class Concentration(BaseModel):
    top: ProviderShare | None = Field(description="largest known share")
    top_share: float | None
    hhi: float = Field(description="sum of squared percent shares, 0..10,000 "
                                   "(unreported shares add nothing)")
    provider_count: int
    providers: list[ProviderShare]
    unattributed_share: float | None = Field(
        default=None, description="percent of the world market the data gives to no single "
        "provider ('Various countries' / 'Various companies' in ETO): supplied, but not "
        "by anyone named; not counted in top, hhi or provider_count")
    regions: list[ProviderShare] = Field(
        default_factory=list, description="shares given to a region as a whole (ETO's "
        "'EUR': Europe, not split by country); not counted in top, hhi or provider_count")


class InputConcentration(BaseModel):
    input: EntityRef
    by_firm: Concentration
    by_country: Concentration
    country_basis: str = Field(description="'countries' (country providers reported, "
                               "including shares given to no single country or to a "
                               "region), 'firm_headquarters' (firms aggregated by HQ), or "
                               "'none'")
    chokepoint: bool = Field(description="top country share >= threshold")


class NodeScore(BaseModel):
    node: EntityRef
    value: float


class Dominator(BaseModel):
    node: EntityRef
    dominates: list[str] = Field(description="upstream ids every dependency path of the "
                                             "target to which passes through this node "
                                             "(first ids, at most `limit`)")
    dominated_total: int = Field(default=0, description="how many ids it dominates, listed "
                                                        "or not")


#: what-if lists at most this many inputs and targets by default (the totals count all)
WHAT_IF_LIMIT = 100


class WhatIfInput(BaseModel):
    input: EntityRef
    share_lost: float = Field(description="percent of world supply lost, country view")
    firm_share_lost: float = Field(description="percent lost among firm providers")
    remaining_share: float | None = Field(description="country-view percent still supplied")
    all_supply_lost: bool = Field(description="every provider of the input is removed")


class CutOffTarget(BaseModel):
    target: EntityRef
    inputs_lost: list[str] = Field(description="upstream inputs that lose every provider")


class WhatIf(BaseModel):
    removed: list[EntityRef]
    inputs: list[WhatIfInput] = Field(description="inputs losing any supply, most lost "
                                                  "first (at most `limit`)")
    targets_cut_off: list[CutOffTarget] = Field(
        description="targets that lose all supply of an input, most inputs lost first "
                    "(then chips before inputs, then id; at most `limit`)")
    limit: int | None = Field(default=None, description="most inputs and targets listed; "
                                                        "null: all")
    inputs_affected: int = Field(default=0, description="inputs losing any supply (all, "
                                                        "listed or not)")
    inputs_all_lost: int = Field(default=0, description="inputs losing every provider")
    share_lost_total: float = Field(default=0.0, description="sum of share_lost over every "
                                                             "affected input")
    targets_affected: int = Field(default=0, description="targets that lose all supply of "
                                                         "some input (all, listed or not)")
    inputs_not_listed: int = Field(default=0, description="affected inputs beyond `limit`")
    targets_not_listed: int = Field(default=0, description="cut-off targets beyond `limit`")


class ChokepointsResult(BaseModel):
    as_of: dt.date
    threshold: float
    target: EntityRef | None
    inputs: list[InputConcentration] = Field(description="all inputs, or the target's "
                                                         "upstream inputs: largest top "
                                                         "country share first (then id), "
                                                         "at most `limit`")
    chokepoints: list[str] = Field(description="ids of inputs whose top country share >= "
                                               "threshold, largest first (at most `limit`)")
    dominators: list[Dominator] = Field(description="with a target: upstream nodes that "
                                                    "dominate others, most dominated first "
                                                    "(at most `limit`)")
    betweenness: list[NodeScore] = Field(description="top nodes by betweenness on the "
                                                     "dependency projection")
    what_if: WhatIf | None
    limit: int | None = Field(default=None, description="most inputs, chokepoints and "
                                                        "dominators listed; null: all")
    inputs_total: int = Field(default=0, description="inputs examined (all, or the whole "
                                                     "upstream), listed or not")
    inputs_not_listed: int = Field(default=0, description="inputs beyond `limit`")
    chokepoints_total: int = Field(default=0, description="inputs whose top country share "
                                                          ">= threshold, listed or not")
    dominators_total: int = Field(default=0, description="dominators, listed or not")


# -- exposure ---------------------------------------------------------------------------

class Member(BaseModel):
    member: EntityRef
    country: str | None
    tier: str | None
    role: str | None
    stake: float | None


class ListedMember(BaseModel):
    member: EntityRef
    lists: list[EntityRef]


class LayerItem(BaseModel):
    item: EntityRef
    countries: list[str] = Field(description="countries of origin (ISO3)")


class ChokepointRef(BaseModel):
    input: EntityRef
    country: str = Field(description="top country")
    share: float
    chips: list[str] = Field(description="the consortium's chips that depend on it")


class ConsortiumExposure(BaseModel):
    id: str
    name: str
    kind: str | None
    members: list[Member]
    members_by_country: dict[str, int]
    members_by_tier: dict[str, int]
    stakes_by_country: dict[str, float] = Field(description="sum of reported MEMBER_OF "
                                                            "stakes by member country")
    listed_members: list[ListedMember]
    layers: dict[str, list[LayerItem]]
    layer_countries: dict[str, list[str]]
    american_share: float | None = Field(description="share of layers whose every origin "
                                                     "country is USA; null: no layers")
    chokepoints: list[ChokepointRef]
    diversion_paths: int = Field(description="diversion paths from its data centers")
    top_paths: list[DiversionPath]
    license_needed: list[str] = Field(default_factory=list, description="members and data "
                                      "centers that would need a license for the "
                                      "consortium's chips under the scenario, as "
                                      "'party|chip|policy'")
    license_undetermined: list[str] = Field(default_factory=list, description="the same "
                                            "where the rules cannot decide from the graph")


class ExposureResult(BaseModel):
    scenario: str
    as_of: dt.date
    consortia: list[ConsortiumExposure]


# -- paths ------------------------------------------------------------------------------

class PathsResult(BaseModel):
    source: EntityRef
    target: EntityRef
    mode: str = Field(description="'shortest' or 'all'")
    types: list[str] | None
    max_hops: int
    as_of: dt.date
    paths: list[Path]


# -- policy engine (issue 18) -------------------------------------------------------------

class OwnershipChain(BaseModel):
    """One OWNS path from a listed owner down to the party, behind an Affiliates finding."""

    owner: EntityRef
    control_list: str = Field(description="the control list the owner is on")
    share: Bounds = Field(description="product of the shares along the path")
    hops: list[Hop] = Field(description="OWNS hops with shares and sources")


class RuleFinding(BaseModel):
    """How one rule of the scenario met the question, and why."""

    rule: str = Field(description="rule id in the scenario file")
    name: str
    kind: str = Field(description="item, destination, end_user or cap")
    status: str = Field(description="applied, not_applied, not_in_force, superseded or "
                                    "undetermined")
    why: list[str] = Field(description="the threshold compared, the listing, the "
                                       "destination match, the dates ...")
    outcome: str | None = Field(default=None, description="what the rule prescribes when "
                                                          "it applies")
    item_class: str | None = Field(default=None, description="class an item rule defines")
    basis: str = Field(description="rule_text, our_reading or public_debate")
    confidence: str = Field(description="high, medium or low")
    note: str | None = Field(default=None, description="what the rule's text says, and "
                                                       "what was not read in it")
    since: dt.date | None = Field(default=None, description="first day in force")
    until: dt.date | None = Field(default=None, description="last day in force")
    suspensions: list[dict[str, Any]] = Field(default_factory=list,
                                              description="periods it did not apply")
    sources: list[dict[str, Any]] = Field(default_factory=list)
    ownership: list[OwnershipChain] | None = Field(
        default=None, description="Affiliates rule: the chains from listed owners")


class LicenseResult(BaseModel):
    item: EntityRef
    to: EntityRef = Field(description="the party the item would reach")
    scenario: str
    scenario_name: str
    as_of: dt.date
    destination: str | None = Field(description="ISO3 of the destination country")
    destination_groups: list[str] = Field(description="its EAR groups on as_of")
    tier: str | None = Field(description="its tier under the scenario")
    end_users: list[EntityRef] = Field(description="the firm, or a data center's operators")
    item_classes: list[str] = Field(description="classes the item rules gave the item")
    required: bool | None = Field(description="true: a license is required; false: none "
                                              "is; null: undetermined from the graph")
    policy: str = Field(description="no license required / license exception X / license "
                                    "required: presumption of approval | case by case | "
                                    "presumption of denial")
    policy_code: dict[str, Any] = Field(description="{policy, review, exception} codes")
    applied: list[RuleFinding] = Field(description="rules that applied, with why")
    undetermined: list[RuleFinding] = Field(description="rules the graph cannot decide "
                                                        "(a missing property, a bound "
                                                        "straddling a threshold)")
    not_applied: list[RuleFinding] = Field(description="rules in force that did not apply "
                                                       "(or were superseded), with why")
    not_in_force: list[RuleFinding] = Field(description="rules that did not apply because "
                                                        "of their dates")


class ComputeDataCenter(BaseModel):
    id: str
    name: str
    country: str | None
    status: str | None = Field(description="status on as_of")
    h100_equivalents: float | None = Field(description="on as_of; null when not recorded")


class ComputeRow(BaseModel):
    country: str
    tier: str
    groups: list[str] = Field(description="EAR country groups on as_of")
    operational: float = Field(description="H100 equivalents of operational data centers")
    planned: float = Field(description="H100 equivalents planned or under construction")
    operational_count: int = Field(description="operational data centers")
    planned_count: int = Field(description="planned or under construction")
    unknown_count: int = Field(description="data centers counted without a figure")
    cap: float | None = Field(description="the scenario's cap for the country (H100 eq.)")
    cap_rules: list[str] = Field(description="ids of the cap rules that cover it")
    low_volume: float | None = Field(description="low-volume exception (H100 eq.)")
    exceeds: str | None = Field(description="what exceeds the cap, if anything")
    data_centers: list[ComputeDataCenter] = Field(description="operational and planned")


class ComputeResult(BaseModel):
    scenario: str
    as_of: dt.date
    countries: list[ComputeRow]
    total_operational: float = Field(description="H100 eq. operational, all rows")
    total_planned: float = Field(description="H100 eq. planned, all rows")


class ConsortiumChange(BaseModel):
    consortium: str = Field(description="consortium id")
    name: str
    needing_license: list[str] = Field(description="members and data centers that would "
                                                   "need a license for the item")
    baseline: list[str] = Field(description="the same under the first scenario")


class ScenarioColumn(BaseModel):
    scenario: str
    name: str
    proposal: str = Field(description="what the public debate proposes")
    our_reading: str = Field(description="how the scenario turns it into rules")
    countries_per_tier: dict[str, int] = Field(description="tier -> number of countries")
    tiers: dict[str, list[str]] = Field(description="trusted and concern countries")
    policy_by_tier: dict[str, str] = Field(description="tier -> the item's policies there "
                                                       "(with country counts)")
    policy_by_country: dict[str, str] = Field(description="ISO3 -> the item's policy")
    countries_needing_license: list[str] = Field(description="ISO3 codes")
    compute_needing_license: float = Field(description="operational H100 eq. in countries "
                                                       "that would need a license")
    planned_needing_license: float = Field(description="planned H100 eq. there")
    consortia_changed: list[ConsortiumChange] = Field(
        description="consortia whose members or data centers change license status "
                    "against the first scenario")


class CompareResult(BaseModel):
    item: EntityRef
    as_of: dt.date
    scenarios: list[ScenarioColumn] = Field(description="one column per scenario")
