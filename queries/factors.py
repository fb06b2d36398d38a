"""THE factor table of diversion risk — the one place where hop weights are set.

A diversion path's score is the product over its hops of
``STEP_FACTORS[step] x CHANNEL_FACTORS[channel] (SHIPS_TO only) x CONFIDENCE[confidence]``,
every factor in (0, 1], so the score is in (0, 1] and falls with every extra or weaker hop.

A *step* is a relationship type read in one direction: ``">"`` follows the stored
direction, ``"<"`` walks it backwards. Only the steps listed here are traversed; the
table therefore also defines which way hardware or access flows (queries/README.md
explains each line). The Cypher query receives these maps as parameters, so the ranking
it computes and the explanation Python prints come from the same numbers.
"""

from __future__ import annotations

from typing import Any

#: base factor per traversable step: (relationship type, direction) -> (factor, meaning)
STEPS: dict[str, tuple[float, str]] = {
    "SHIPS_TO>": (1.0, "reported shipment: the chips go to the receiver"),
    "HOSTS<": (1.0, "the chip is installed in this data center"),
    "OPERATES>": (0.9, "the firm's hardware runs in the data center it operates"),
    "OPERATES<": (0.9, "the operator controls the data center's hardware"),
    "OWNS<": (0.8, "control: an owner with share >= 0.5 (or a control stake) controls "
                   "what the owned firm holds"),
    "DESIGNS<": (1.0, "the chip's designer sells and ships it"),
    "FABRICATES<": (0.7, "the foundry holds the chips it makes, but sells to the designer"),
    "PACKAGES<": (0.7, "the packager holds the chips it packages, but returns them"),
    "DEVELOPS<": (1.0, "the developer holds the model's weights"),
    "TRAINED_ON>": (0.8, "the model was trained at this data center"),
    "SERVES>": (0.6, "remote access (cloud compute, model API), not physical transfer"),
}

#: extra factor of a SHIPS_TO hop by its ``channel`` (absent channel: 1.0)
CHANNEL_FACTORS: dict[str, float] = {
    "direct": 1.0,
    "distributor": 0.9,
    "transshipment": 0.9,
    "smuggling": 0.7,
}

#: factor by the relationship's confidence (absent: treated as low)
CONFIDENCE: dict[str, float] = {"high": 1.0, "medium": 0.7, "low": 0.4}

#: share at or above which an owner controls the owned firm
CONTROL_SHARE = 0.5

#: relationship types the diversion traversal uses (derived from ``STEPS``)
FLOW_TYPES: tuple[str, ...] = tuple(sorted({k[:-1] for k in STEPS}))


def step_key(rel_type: str, forward: bool) -> str:
    return f"{rel_type}{'>' if forward else '<'}"


def hop_factor(rel_type: str, forward: bool, confidence: str | None,
               channel: str | None = None) -> float:
    """The factor of one hop, as the table defines it (KeyError: not a traversable step)."""
    base = STEPS[step_key(rel_type, forward)][0]
    ch = CHANNEL_FACTORS.get(channel or "", 1.0) if rel_type == "SHIPS_TO" else 1.0
    return base * ch * CONFIDENCE.get(confidence or "low", CONFIDENCE["low"])


def cypher_params() -> dict[str, Any]:
    """The table as Cypher parameters (``$steps``, ``$channels``, ``$confidence``)."""
    return {
        "steps": {k: v[0] for k, v in STEPS.items()},
        "channels": dict(CHANNEL_FACTORS),
        "confidence": dict(CONFIDENCE),
        "control_share": CONTROL_SHARE,
    }


def table_rows() -> list[dict[str, Any]]:
    """The table for documentation and ``--json`` output."""
    return [{"step": k, "type": k[:-1], "direction": "forward" if k.endswith(">")
             else "backward", "factor": v[0], "meaning": v[1]} for k, v in STEPS.items()]
