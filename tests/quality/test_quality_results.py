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
    a, b = ro_rows(A, 12), ro_rows(B, 8, period="2024-02")
    a.loc[[1, 2, 3], "dq_flags"] = "promised_missing"  # 25% flagged
    b["_source_file"] = B  # February rows in the March file
    rows = pd.concat([a, b], ignore_index=True)
    files = pd.DataFrame(
        [
            file_row(A, "repair_orders", 12, trailing_median=100.0, prior_periods=5),
            file_row(B, "repair_orders", 8),
        ]
    )
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


def test_per_file_results_are_an_independent_gx_validation_of_the_metrics_frame() -> None:
    rows, files = _batch()
    report = run_gate("repair_orders", rows, files, "run-42")
    spec = json.loads((SUITES_DIR / "repair_orders.files.json").read_text(encoding="utf-8"))
    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("independent")
        .add_dataframe_asset("a")
        .add_batch_definition_whole_dataframe("b")
        .get_batch(batch_parameters={"dataframe": report.metrics})
    )
    independent = batch.validate(gx.ExpectationSuite(**spec), result_format="COMPLETE")
    stored = pd.DataFrame(report.results)
    assert len(independent.results) == stored["expectation"].nunique()
    failed = {}
    for result in independent.results:
        name = result.expectation_config.meta["name"]
        mine = stored[stored["expectation"] == name].set_index("file_path")["success"]
        bad = {report.metrics["file_path"][i] for i in result.result["unexpected_index_list"]}
        assert {p for p, ok in mine.items() if not ok} == bad, name
        if bad:
            failed[name] = bad
    assert failed == {
        "volume.trailing_median": {A},
        "rows.flagged_share": {A},
        "period.majority_in_declared_month": {B},
        "period.in_declared_month": {B},
    }
    assert report.verdicts[A][0] == "hold" and "volume_ratio=0.120" in report.verdicts[A][1]
    assert report.verdicts[B][0] == "hold" and "in_period_share=0.000" in report.verdicts[B][1]
