"""The suite files: complete for the canonical contract and well-formed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingestion.contracts import DEALER_FEEDS, FEEDS
from ingestion.quality.suites import SUITES_DIR, SuiteError, load_feed_suites, load_suite


@pytest.mark.parametrize("feed", DEALER_FEEDS)
def test_every_feed_has_row_and_file_suites_covering_the_contract(feed: str) -> None:
    rows, files = load_feed_suites(feed)
    assert rows.name == feed and files.name == f"{feed}.files"
    not_null = {
        e["kwargs"]["column"]: e["meta"]["policy"]
        for e in rows.expectations
        if e["type"] == "expect_column_values_to_not_be_null"
    }
    assert not_null == {c: "reject" for c in FEEDS[feed].required}
    unique = [e for e in rows.expectations if e["type"] == "expect_compound_columns_to_be_unique"]
    key = [k for k in FEEDS[feed].key if k != "dealer_code"]
    assert [u["kwargs"]["column_list"] for u in unique] == [["_source_file", *key]]
    enums = {c.name for c in FEEDS[feed].columns if c.enum}
    in_set = {
        e["kwargs"]["column"]
        for e in rows.expectations
        if e["type"] == "expect_column_values_to_be_in_set"
    }
    assert enums <= in_set
    file_names = {m.name for m in files.expectation_meta()}
    assert {"rows.flagged_share", "period.majority_in_declared_month"} <= file_names
    assert ("volume.trailing_median" in file_names) == (feed != "complaints")


def test_a_suite_with_an_unknown_policy_is_refused(tmp_path: Path) -> None:
    spec = json.loads((SUITES_DIR / "complaints.json").read_text(encoding="utf-8"))
    spec["expectations"][0]["meta"]["policy"] = "ignore"
    path = tmp_path / "complaints.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(ValueError, match="policy"):
        load_suite(path)


def test_an_aggregate_expectation_in_a_row_suite_is_refused(tmp_path: Path) -> None:
    spec = json.loads((SUITES_DIR / "complaints.json").read_text(encoding="utf-8"))
    spec["expectations"].append(
        {
            "type": "expect_column_mean_to_be_between",
            "kwargs": {"column": "reopen_count", "max_value": 3},
            "meta": {"name": "mean.reopen", "policy": "warn"},
        }
    )
    path = tmp_path / "complaints.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(SuiteError, match="cannot be attributed"):
        load_suite(path)
