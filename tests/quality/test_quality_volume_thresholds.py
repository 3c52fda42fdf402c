"""Volume hold: strictly below 30% of the trailing median, median >= 20, >= 3 prior periods
(the repair-order contract's values)."""

from __future__ import annotations

import pandas as pd
import pytest
from quality_batches import complaint_rows, file_row, ro_rows

from ingestion.contracts import DEALER_FEEDS, VolumeHold, contract
from ingestion.quality.gate import run_gate
from ingestion.quality.history import trailing_volume, volume_held

RO = "D0001/repair_orders/2024-03.csv"
CP = "D0001/complaints/2024-03.csv"
NAN = float("nan")


def _volume_rule(feed: str) -> VolumeHold | None:
    rules = contract(feed).file_rules
    return rules.volume_hold if rules else None


@pytest.mark.parametrize(
    ("rows_read", "median", "prior", "expected"),
    [
        (6, 20.0, 3, "pass"),  # exactly 30%: not held
        (5, 20.0, 3, "hold"),  # 25%
        (29, 100.0, 3, "hold"),  # 29%
        (30, 100.0, 3, "pass"),  # 30%
        (9, 30.5, 4, "hold"),  # 29.5%, half-row median
        (1, 19.0, 6, "pass"),  # median 19: never held
        (1, 100.0, 2, "pass"),  # 2 prior periods: never held
        (0, 100.0, 6, "hold"),  # empty file against a busy history
        (0, NAN, 0, "pass"),  # no history at all
    ],
)
def test_volume_hold_thresholds(rows_read: int, median: float, prior: int, expected: str) -> None:
    files = pd.DataFrame(
        [file_row(RO, "repair_orders", rows_read, trailing_median=median, prior_periods=prior)]
    )
    report = run_gate("repair_orders", ro_rows(RO, rows_read), files, "t")
    status, reason = report.verdicts[RO]
    assert status == expected
    assert ("volume.trailing_median" in reason) == (expected == "hold")
    volume = [r for r in report.results if r["expectation"] == "volume.trailing_median"]
    assert len(volume) == 1 and volume[0]["success"] == (expected != "hold")
    assert volume[0]["policy"] == "hold"


def test_sparse_feed_is_never_held_for_volume() -> None:
    files = pd.DataFrame([file_row(CP, "complaints", 1, trailing_median=100.0, prior_periods=6)])
    report = run_gate("complaints", complaint_rows(CP, 1), files, "t")
    assert report.verdicts[CP] == ("pass", "")
    assert not [r for r in report.results if r["expectation"].startswith("volume")]


@pytest.mark.parametrize("feed", [f for f in DEALER_FEEDS if _volume_rule(f) is not None])
def test_the_batch_prediction_of_a_hold_is_the_suites_rule(feed: str) -> None:
    """trailing_volume predicts which earlier files of a batch the volume expectation holds
    (they do not count as loaded history); the prediction and GX must agree everywhere."""
    rule = _volume_rule(feed)
    assert rule is not None
    grid = [
        (rows, median, prior)
        for median in (rule.min_median - 1.0, float(rule.min_median), 100.0, 100.5)
        for prior in (rule.min_periods - 1, rule.min_periods, rule.trailing_periods)
        for rows in (0, int(rule.share * median), int(rule.share * median) + 1, int(median))
    ]
    paths = [f"D{i:04d}/{feed}/2024-03.csv" for i in range(len(grid))]
    files = pd.DataFrame(
        [
            file_row(p, feed, rows, trailing_median=median, prior_periods=prior)
            for p, (rows, median, prior) in zip(paths, grid, strict=True)
        ]
    )
    report = run_gate(feed, pd.DataFrame(columns=["_source_file"]), files, "t")
    volume = {
        r["file_path"]: not r["success"]
        for r in report.results
        if r["expectation"] == "volume.trailing_median"
    }
    predicted = {
        p: volume_held(rule, rows, median, prior)
        for p, (rows, median, prior) in zip(paths, grid, strict=True)
    }
    assert volume == predicted
    assert any(predicted.values()) and not all(predicted.values())


def test_trailing_volume_skips_rejected_and_held_files_of_the_batch() -> None:
    history = [("D0001", "repair_orders", f"2023-{m:02d}", 40) for m in (9, 10, 11)]
    files = [
        {"file_path": "a", "dealer_code": "D0001", "period": "2023-12", "rows_read": 2},
        {
            "file_path": "b",
            "dealer_code": "D0001",
            "period": "2024-01",
            "rows_read": 900,
            "rejected": True,
        },
        {"file_path": "c", "dealer_code": "D0001", "period": "2024-02", "rows_read": 42},
    ]
    stats = trailing_volume("repair_orders", files, history)
    assert stats["a"] == (40.0, 3)  # held: not loaded history for later files
    assert stats["b"] == (40.0, 3)
    assert stats["c"] == (40.0, 3)
    assert trailing_volume("complaints", files, [])["c"] == (None, 1)  # no rule: nothing held
