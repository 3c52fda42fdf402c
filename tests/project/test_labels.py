"""The label table names every code the dashboards show: each row rule of the feed
contracts, each feed, each status."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "ingestion" / "contracts"


def _labels() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    with (ROOT / "dbt_project" / "seeds" / "ui_labels.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            assert row["label_zh"].strip(), row
            out.setdefault(row["domain"], set()).add(row["code"])
    return out


def test_every_contract_rule_and_feed_has_a_chinese_label() -> None:
    labels = _labels()
    rules, feeds = set(), set()
    for path in CONTRACTS.glob("*.yaml"):
        contract = yaml.safe_load(path.read_text(encoding="utf-8"))
        feeds.add(contract["feed"])
        rules |= {rule["id"] for rule in contract.get("row_rules") or []}
    assert rules and feeds
    assert rules <= labels["rule"], sorted(rules - labels["rule"])
    assert feeds <= labels["feed"], sorted(feeds - labels["feed"])
    assert {"green", "amber", "red", "provisional"} <= labels["status"]
