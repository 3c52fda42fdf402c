"""Rows belong to the file's declared month by the feed's main timestamp or date."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from quality_batches import VIN, file_row, ro_rows

from ingestion.quality.gate import run_gate

RO = "D0001/repair_orders/2024-03.csv"


def _verdict(rows: pd.DataFrame, n: int) -> tuple[str, str]:
    files = pd.DataFrame([file_row(RO, "repair_orders", n)])
    return run_gate("repair_orders", rows, files, "t").verdicts[RO]


def test_mislabelled_month_is_held() -> None:
    rows = ro_rows(RO, 10, period="2024-02")  # February rows in the March file
    rows["period"] = "2024-03"
    status, reason = _verdict(rows, 10)
    assert status == "hold"
    assert "period.majority_in_declared_month (in_period_share=0.000)" in reason


def test_a_few_rows_from_the_previous_month_only_warn() -> None:
    rows = ro_rows(RO, 10)
    rows.loc[:1, "arrived_at"] = pd.Timestamp("2024-02-28 16:00")  # 8 of 10 in March
    rows.loc[:1, "delivered_at"] = pd.Timestamp("2024-03-01 10:00")
    rows.loc[:1, "settled_at"] = pd.Timestamp("2024-03-01 11:00")
    assert _verdict(rows, 10) == ("warn", "warn: period.in_declared_month (in_period_share=0.800)")


def test_rows_in_the_declared_month_pass() -> None:
    rows = ro_rows(RO, 10)
    rows.loc[9, "arrived_at"] = pd.Timestamp("2024-03-31 23:59")
    rows.loc[9, ["delivered_at", "settled_at"]] = pd.Timestamp("2024-04-01 09:00")
    assert _verdict(rows, 10) == ("pass", "")


def test_date_feed_with_python_dates_is_checked_by_its_main_date() -> None:
    path = "D0001/vehicle_sales/2024-03.csv"
    rows = pd.DataFrame(
        {
            "dealer_code": "D0001",
            "vin": VIN,
            "invoice_no": [f"INV{i}" for i in range(4)],
            "invoice_date": [dt.date(2024, 3, 5)] + [dt.date(2024, 4, 2)] * 3,
            "sale_type": "retail",
            "status": "valid",
            "_source_file": path,
            "period": "2024-03",
            "dq_flags": "",
        }
    )
    files = pd.DataFrame([file_row(path, "vehicle_sales", 4)])
    status, reason = run_gate("vehicle_sales", rows, files, "t").verdicts[path]
    assert status == "hold" and "in_period_share=0.250" in reason
