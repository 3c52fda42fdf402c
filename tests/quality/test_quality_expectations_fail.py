"""Every expectation of every suite can fail: a purpose-built batch makes each one fail.

The cases are enumerated from the suite files themselves, so a new expectation without a
failing batch here fails this test (KeyError in ``_break``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from quality_batches import feed_rows, file_row

from ingestion.contracts import DEALER_FEEDS, FileRules, contract
from ingestion.quality.gate import run_gate
from ingestion.quality.suites import load_feed_suite

PERIOD = "2024-06"
HISTORY = ("2024-03", "2024-04", "2024-05")
SEVERITY = {"pass": 0, "warn": 1, "hold": 2, "reject": 3}


def _rules(feed: str) -> FileRules:
    rules = contract(feed).file_rules
    assert rules is not None
    return rules


def _size(feed: str) -> int:
    """Rows per file: enough for every check of the feed to judge the file."""
    rules = _rules(feed)
    shifts = rules.distribution
    return max(120, rules.flagged_share_min_rows, shifts.min_rows if shifts else 0)


class Batch:
    """Two files of one feed (A is the one to break, B stays clean) plus A's history."""

    def __init__(self, feed: str) -> None:
        self.feed = feed
        self.n = _size(feed)
        self.a = f"D0001/{feed}/{PERIOD}.csv"
        self.b = f"D0002/{feed}/{PERIOD}.csv"
        self.rows = {p: feed_rows(feed, p, self.n, PERIOD) for p in (self.a, self.b)}
        self.files = {
            p: file_row(p, feed, self.n, PERIOD, trailing_median=float(self.n), prior_periods=6)
            for p in (self.a, self.b)
        }
        self.history = pd.concat(
            [
                feed_rows(feed, f"{d}/{feed}/{q}.csv", self.n, q).assign(period=q)
                for d in ("D0001", "D0002")
                for q in HISTORY
            ],
            ignore_index=True,
        )

    def run(self) -> Any:
        rows = pd.concat(self.rows.values(), ignore_index=True)
        files = pd.DataFrame(list(self.files.values()))
        return run_gate(self.feed, rows, files, "t", self.history)


def _move_to_previous_month(batch: Batch, count: int) -> None:
    column = _rules(batch.feed).period_column
    rows = batch.rows[batch.a]
    rows.loc[: count - 1, column] = pd.to_datetime(rows.loc[: count - 1, column]) - pd.Timedelta(
        days=31
    )


def _volume(batch: Batch, exp: dict[str, Any]) -> None:
    share = exp["kwargs"]["min_value"]
    batch.files[batch.a]["trailing_median"] = batch.n / (share / 2)  # half the allowed share


def _quarantine(batch: Batch, exp: dict[str, Any]) -> None:
    limit = exp["kwargs"]["max_value"]
    quarantined = math.ceil(batch.n * 2 * limit / (1 - 2 * limit)) + 1  # > twice the limit
    batch.files[batch.a] = file_row(
        batch.a,
        batch.feed,
        batch.n + quarantined,
        PERIOD,
        trailing_median=float(batch.n),
        prior_periods=6,
        rows_quarantined=quarantined,
    )


def _flagged(batch: Batch, exp: dict[str, Any]) -> None:
    flagged = round(batch.n * exp["kwargs"]["max_value"]) + 1
    batch.rows[batch.a].loc[: flagged - 1, "dq_flags"] = "phone_invalid"


def _mislabelled(batch: Batch, exp: dict[str, Any]) -> None:
    _move_to_previous_month(batch, batch.n)  # every row belongs to May


def _partly_outside(batch: Batch, exp: dict[str, Any]) -> None:
    rules = _rules(batch.feed)
    assert exp["kwargs"]["min_value"] == rules.in_period_share_warn
    outside = batch.n - round(batch.n * rules.in_period_share_warn) + 1
    assert (batch.n - outside) / batch.n >= rules.in_period_share_hold  # not a hold
    _move_to_previous_month(batch, outside)


def _mix(batch: Batch, exp: dict[str, Any]) -> None:
    column = exp["meta"]["name"].split(".", 1)[1]
    categories = contract(batch.feed).column(column).enum or ()
    assert 1 - 1 / len(categories) > exp["kwargs"]["max_value"], "one category is not far enough"
    batch.rows[batch.a][column] = categories[0]  # the history cycles through all of them


def _mean(batch: Batch, exp: dict[str, Any]) -> None:
    column = exp["meta"]["name"].split(".", 1)[1]
    batch.rows[batch.a][column] = batch.rows[batch.a][column] * exp["kwargs"]["max_value"] * 2


BREAKERS: dict[str, Callable[[Batch, dict[str, Any]], None]] = {
    "volume.trailing_median": _volume,
    "rows.quarantine_share": _quarantine,
    "rows.flagged_share": _flagged,
    "period.majority_in_declared_month": _mislabelled,
    "period.in_declared_month": _partly_outside,
    "mix": _mix,
    "mean": _mean,
}
# a mislabelled file also fails the softer period check
ALSO_FAILS = {"period.majority_in_declared_month": {"period.in_declared_month"}}


def _break(name: str) -> Callable[[Batch, dict[str, Any]], None]:
    return BREAKERS[name] if name in BREAKERS else BREAKERS[name.split(".")[0]]


CASES = [
    pytest.param(feed, exp, id=f"{feed}:{exp['meta']['name']}")
    for feed in DEALER_FEEDS
    for exp in load_feed_suite(feed).expectations
]


@pytest.mark.parametrize("feed", DEALER_FEEDS)
def test_the_clean_batch_passes_every_expectation(feed: str) -> None:
    report = Batch(feed).run()
    assert set(report.verdicts.values()) == {("pass", "")}
    assert all(r["success"] for r in report.results)
    assert len(report.results) == 2 * len(load_feed_suite(feed).expectations)


@pytest.mark.parametrize(("feed", "exp"), CASES)
def test_each_expectation_has_a_batch_that_makes_it_fail(feed: str, exp: dict[str, Any]) -> None:
    name, policy = exp["meta"]["name"], exp["meta"]["policy"]
    batch = Batch(feed)
    _break(name)(batch, exp)
    report = batch.run()
    failed = {r["expectation"] for r in report.results if not r["success"]}
    assert {r["file_path"] for r in report.results if not r["success"]} == {batch.a}
    assert failed == {name} | ALSO_FAILS.get(name, set())
    status, reason = report.verdicts[batch.a]
    worst = max((r["policy"] for r in report.results if not r["success"]), key=SEVERITY.get)
    assert status == worst and SEVERITY[status] >= SEVERITY[policy]
    assert f"{name} (" in reason
    assert report.verdicts[batch.b] == ("pass", "")
