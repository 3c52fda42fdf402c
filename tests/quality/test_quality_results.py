"""Stored gate results are what GX reported."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import great_expectations as gx
import pandas as pd
from quality_batches import file_row, ro_rows

from ingestion.quality.gate import RESULT_COLUMNS, run_gate, write_results
from ingestion.quality.suites import SUITES_DIR

A, B = "D0001/repair_orders/2024-03.csv", "D0002/repair_orders/2024-03.csv"


def _batch() -> tuple[pd.DataFrame, pd.DataFrame]:
    a, b = ro_rows(A, 12), ro_rows(B, 8)
    a.loc[[1, 2], "status"] = "lost"
    b.loc[4, "ro_category"] = "tuning"
    b.loc[5, "ro_no"] = b.loc[6, "ro_no"]
    b.loc[0, "odometer_km"] = 9_000_000
    rows = pd.concat([a, b], ignore_index=True)
    files = pd.DataFrame([file_row(A, "repair_orders", 12), file_row(B, "repair_orders", 8)])
    return rows, files


def test_stored_results_round_trip_through_the_control_db(tmp_path: Path) -> None:
    rows, files = _batch()
    report = run_gate("repair_orders", rows, files, "run-42")
    conn = sqlite3.connect(tmp_path / "control.sqlite")
    assert write_results(conn, report.results) == len(report.results)
    stored = pd.read_sql_query("SELECT * FROM gx_results", conn)
    conn.close()
    assert list(stored.columns) == list(RESULT_COLUMNS)
    expected = pd.DataFrame(report.results)[list(RESULT_COLUMNS)]
    expected["success"] = expected["success"].astype(int)
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)


def test_per_file_results_add_up_to_an_independent_gx_validation() -> None:
    rows, files = _batch()
    report = run_gate("repair_orders", rows, files, "run-42")
    spec = json.loads((SUITES_DIR / "repair_orders.json").read_text(encoding="utf-8"))
    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("independent")
        .add_dataframe_asset("a")
        .add_batch_definition_whole_dataframe("b")
        .get_batch(batch_parameters={"dataframe": rows})
    )
    independent = batch.validate(gx.ExpectationSuite(**spec), result_format="SUMMARY")
    stored = pd.DataFrame([r for r in report.results if r["suite"] == "repair_orders"])
    stored["unexpected"] = [json.loads(v)["unexpected_count"] for v in stored["observed_value"]]
    by_name = stored.groupby("expectation").agg(
        success=("success", "all"), unexpected=("unexpected", "sum")
    )
    assert len(independent.results) == len(by_name)
    failed = set()
    for result in independent.results:
        name = result.expectation_config.meta["name"]
        assert bool(by_name.at[name, "success"]) == result.success, name
        assert int(by_name.at[name, "unexpected"]) == result.result["unexpected_count"], name
        if not result.success:
            failed.add(name)
    assert failed == {
        "value_set.status",
        "value_set.ro_category",
        "unique_key.ro_no",
        "range.odometer_km",
    }
    verdicts = report.verdicts
    assert verdicts[A][0] == "reject" and "value_set.status (2 of 12 rows)" in verdicts[A][1]
    assert verdicts[B][0] == "reject"
    assert "range.odometer_km (1 of 8 rows)" in verdicts[B][1]
