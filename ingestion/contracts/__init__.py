"""Feed contracts: one YAML file per feed, the single source of its columns and rules."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from ingestion.contracts.model import (
    ColumnSpec,
    Distribution,
    FeedContract,
    FileRules,
    Freshness,
    MeanShift,
    MixShift,
    VolumeHold,
)

CONTRACTS_DIR = Path(__file__).resolve().parent
# Feed order of every listing (ledger reports, DAG shards, docs): the master first.
FEED_ORDER = (
    "dealers",
    "vehicle_sales",
    "repair_orders",
    "warranty_registrations",
    "warranty_claims",
    "survey_responses",
    "complaints",
)

__all__ = [
    "CONTRACTS_DIR",
    "DEALER_FEEDS",
    "FEEDS",
    "ColumnSpec",
    "Distribution",
    "FeedContract",
    "FileRules",
    "Freshness",
    "MeanShift",
    "MixShift",
    "VolumeHold",
    "contract",
    "load_contracts",
]


@cache
def load_contracts() -> dict[str, FeedContract]:
    """Every feed contract, validated, in FEED_ORDER."""
    found = {p.stem: p for p in CONTRACTS_DIR.glob("*.yaml")}
    if set(found) != set(FEED_ORDER):
        raise ValueError(
            f"feed contracts {sorted(found)} do not match the feed list {sorted(FEED_ORDER)}"
        )
    out: dict[str, FeedContract] = {}
    for name in FEED_ORDER:
        parsed = FeedContract.model_validate(yaml.safe_load(found[name].read_text("utf-8")))
        if parsed.feed != name:
            raise ValueError(f"{found[name]}: feed {parsed.feed!r} does not match the file name")
        out[name] = parsed
    return out


def contract(feed: str) -> FeedContract:
    return load_contracts()[feed]


FEEDS: dict[str, FeedContract] = load_contracts()
DEALER_FEEDS: tuple[str, ...] = tuple(f for f in FEEDS if f != "dealers")
