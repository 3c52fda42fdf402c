"""The suite files: generated from the feed contracts (each threshold written once, in the
contract) and well-formed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from quality_batches import feed_rows, file_row

from ingestion.contracts import DEALER_FEEDS, contract
from ingestion.quality.freshness import FRESHNESS_SEED, freshness_seed, stale_freshness_seed
from ingestion.quality.metrics import file_metrics
from ingestion.quality.suites import (
    SUITES_DIR,
    SuiteError,
    load_feed_suite,
    load_suite,
    stale_suites,
    suite_text,
)


def test_committed_suites_are_what_the_contracts_generate() -> None:
    stale = [p.name for p in stale_suites()]
    assert stale == [], (
        f"{stale} differ from the feed contracts: run `python -m ingestion.quality.generate`"
    )


def test_committed_freshness_seed_is_what_the_contracts_generate() -> None:
    assert stale_freshness_seed() == [], (
        f"{FRESHNESS_SEED} differs: run `python -m ingestion.quality.generate`"
    )


def test_a_threshold_changed_in_a_suite_file_is_caught(tmp_path: Path) -> None:
    for feed in DEALER_FEEDS:
        (tmp_path / f"{feed}.files.json").write_text(suite_text(feed), encoding="utf-8")
    assert stale_suites(tmp_path) == []
    path = tmp_path / "repair_orders.files.json"
    spec = json.loads(path.read_text(encoding="utf-8"))
    spec["expectations"][0]["kwargs"]["min_value"] = 0.25  # a second copy of the volume share
    path.write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
    (tmp_path / "repair_orders.json").write_text("{}", encoding="utf-8")  # a hand-made suite
    assert {p.name for p in stale_suites(tmp_path)} == {
        "repair_orders.files.json",
        "repair_orders.json",
    }


@pytest.mark.parametrize("feed", DEALER_FEEDS)
def test_every_suite_checks_columns_of_the_metrics_frame_and_thresholds_of_the_contract(
    feed: str,
) -> None:
    spec = load_feed_suite(feed)
    assert spec.name == f"{feed}.files" and spec.meta.feed == feed
    rules = contract(feed).file_rules
    assert rules is not None
    path = f"D0001/{feed}/2024-03.csv"
    frame = file_metrics(
        feed, pd.DataFrame([file_row(path, feed, 3)]), feed_rows(feed, path, 3), None
    )
    names = {e["meta"]["name"] for e in spec.expectations}
    for exp in spec.expectations:
        assert exp["kwargs"]["column"] in frame.columns, exp["meta"]["name"]
        condition = exp["kwargs"].get("row_condition")
        parts = condition.get("conditions", [condition]) if condition else []
        assert all(p["column"]["name"] in frame.columns for p in parts)
    assert {"rows.quarantine_share", "rows.flagged_share", "period.in_declared_month"} <= names
    assert ("volume.trailing_median" in names) == (rules.volume_hold is not None)
    shifts = rules.distribution
    expected = set()
    if shifts is not None:
        expected = {f"mix.{m.column}" for m in shifts.mix} | {
            f"mean.{m.column}" for m in shifts.mean
        }
    assert {n for n in names if n.startswith(("mix.", "mean."))} == expected
    by_name = {e["meta"]["name"]: e["kwargs"] for e in spec.expectations}
    assert by_name["rows.quarantine_share"]["max_value"] == rules.quarantine_share_max
    assert by_name["period.majority_in_declared_month"]["min_value"] == rules.in_period_share_hold


def test_freshness_seed_has_every_dealer_feed_with_its_contract_rule() -> None:
    seed = pd.read_csv(FRESHNESS_SEED, dtype=str, keep_default_na=False)
    defaults = seed[seed["dealer_code"] == ""].set_index("feed")
    assert list(defaults.index) == list(DEALER_FEEDS)
    for feed in DEALER_FEEDS:
        rule = contract(feed).freshness
        assert rule is not None
        assert int(defaults.loc[feed, "grace_days"]) == rule.grace_days
        assert defaults.loc[feed, "expected_from"] == rule.expected_from
    assert freshness_seed().startswith("feed,dealer_code,cadence,grace_days,expected_from\n")


def test_a_suite_with_an_unknown_policy_is_refused(tmp_path: Path) -> None:
    spec = json.loads((SUITES_DIR / "complaints.files.json").read_text(encoding="utf-8"))
    spec["expectations"][0]["meta"]["policy"] = "ignore"
    path = tmp_path / "complaints.files.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(ValueError, match="policy"):
        load_suite(path)


def test_a_suite_with_duplicate_names_is_refused(tmp_path: Path) -> None:
    spec = json.loads((SUITES_DIR / "complaints.files.json").read_text(encoding="utf-8"))
    spec["expectations"].append(spec["expectations"][0])
    path = tmp_path / "complaints.files.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(SuiteError, match="unique"):
        load_suite(path)
