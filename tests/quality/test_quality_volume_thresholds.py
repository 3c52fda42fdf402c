"""Volume hold: strictly below 30% of the trailing median, median >= 20, >= 3 prior periods."""

from __future__ import annotations

import pandas as pd
import pytest
from quality_batches import complaint_rows, file_row, ro_rows

from ingestion.quality.gate import run_gate

RO = "D0001/repair_orders/2024-03.csv"
CP = "D0001/complaints/2024-03.csv"
NAN = float("nan")


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
