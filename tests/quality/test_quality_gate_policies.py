"""Each failure policy acting on purpose-built batches."""

from __future__ import annotations

import pandas as pd
from quality_batches import file_row, ro_rows

from ingestion.quality.gate import run_gate
from ingestion.quality.suites import load_feed_suites

FEED = "repair_orders"
A, B, C = (f"{d}/repair_orders/2024-03.csv" for d in ("D0001", "D0002", "D0003"))


def _gate(rows: list[pd.DataFrame], files: list[dict]) -> dict[str, tuple[str, str]]:
    return run_gate(FEED, pd.concat(rows, ignore_index=True), pd.DataFrame(files), "t").verdicts


def test_clean_batch_passes_with_one_result_per_file_and_expectation() -> None:
    rows = pd.concat([ro_rows(A, 30), ro_rows(B, 25)], ignore_index=True)
    files = pd.DataFrame(
        [file_row(A, FEED, 30, trailing_median=30.0, prior_periods=6), file_row(B, FEED, 25)]
    )
    report = run_gate(FEED, rows, files, "run-clean")
    assert report.verdicts == {A: ("pass", ""), B: ("pass", "")}
    rows_suite, files_suite = load_feed_suites(FEED)
    per_file = len(rows_suite.expectations) + len(files_suite.expectations)
    assert len(report.results) == 2 * per_file
    assert all(r["success"] for r in report.results)
    assert {r["run_id"] for r in report.results} == {"run-clean"}
    assert {(r["file_path"], r["dealer_code"], r["period"]) for r in report.results} == {
        (A, "D0001", "2024-03"),
        (B, "D0002", "2024-03"),
    }


def test_reject_names_the_expectation_and_only_hits_the_offending_file() -> None:
    bad = ro_rows(B, 20)
    bad.loc[3, "status"] = "archived"
    verdicts = _gate([ro_rows(A, 20), bad], [file_row(A, FEED, 20), file_row(B, FEED, 20)])
    assert verdicts[A] == ("pass", "")
    status, reason = verdicts[B]
    assert status == "reject"
    assert "value_set.status" in reason and "1 of 20 rows" in reason


def test_duplicate_key_within_a_file_rejects_but_across_files_does_not() -> None:
    dup = ro_rows(A, 10)
    dup.loc[5, "ro_no"] = dup.loc[4, "ro_no"]
    same_keys_other_file = ro_rows(B, 10)  # RO00000.. again, other dealer's file
    verdicts = _gate([dup, same_keys_other_file], [file_row(A, FEED, 10), file_row(B, FEED, 10)])
    assert verdicts[A][0] == "reject" and "unique_key.ro_no (2 of 10 rows)" in verdicts[A][1]
    assert verdicts[B] == ("pass", "")


def test_required_column_missing_from_the_batch_rejects_every_file() -> None:
    rows = ro_rows(A, 10).drop(columns=["total_amount"])
    verdicts = _gate([rows], [file_row(A, FEED, 10)])
    assert verdicts[A][0] == "reject" and "required.total_amount" in verdicts[A][1]


def test_timestamp_order_violation_rejects() -> None:
    rows = ro_rows(A, 10)
    rows.loc[2, "delivered_at"] = rows.loc[2, "arrived_at"] - pd.Timedelta(hours=1)
    verdicts = _gate([rows], [file_row(A, FEED, 10)])
    assert verdicts[A][0] == "reject"
    assert "order.delivered_at_ge_arrived_at (1 of 10 rows)" in verdicts[A][1]


def test_volume_drop_holds() -> None:
    verdicts = _gate(
        [ro_rows(A, 5)], [file_row(A, FEED, 5, trailing_median=100.0, prior_periods=6)]
    )
    assert verdicts[A][0] == "hold" and "volume.trailing_median" in verdicts[A][1]


def test_high_flagged_share_warns_only() -> None:
    rows = ro_rows(A, 20)
    rows.loc[:4, "dq_flags"] = "promised_missing"  # 5 of 20 = 25% > 20%
    verdicts = _gate([rows], [file_row(A, FEED, 20)])
    assert verdicts[A] == ("warn", "warn: rows.flagged_share (flagged_share=0.250)")


def test_flagged_share_at_threshold_passes() -> None:
    rows = ro_rows(A, 20)
    rows.loc[:3, "dq_flags"] = "phone_invalid"  # 4 of 20 = exactly 20%
    assert _gate([rows], [file_row(A, FEED, 20)])[A] == ("pass", "")


def test_quarantine_share_above_five_percent_rejects() -> None:
    verdicts = _gate([ro_rows(A, 94)], [file_row(A, FEED, 100, rows_quarantined=6)])
    assert verdicts[A][0] == "reject" and "rows.quarantine_share" in verdicts[A][1]
    at_limit = _gate([ro_rows(A, 95)], [file_row(A, FEED, 100, rows_quarantined=5)])
    assert at_limit[A] == ("pass", "")


def test_worst_policy_wins_and_reason_lists_every_failure() -> None:
    rows = ro_rows(A, 10)
    rows.loc[:2, "dq_flags"] = "promised_missing"
    verdicts = _gate([rows], [file_row(A, FEED, 10, trailing_median=50.0, prior_periods=4)])
    status, reason = verdicts[A]
    assert status == "hold"
    assert reason.index("hold: volume.trailing_median") < reason.index("warn: rows.flagged_share")


def test_flagged_share_of_a_tiny_file_is_not_judged() -> None:
    rows = ro_rows(A, 9)
    rows["dq_flags"] = "phone_invalid"
    report = run_gate(FEED, rows, pd.DataFrame([file_row(A, FEED, 9)]), "t")
    assert report.verdicts[A] == ("pass", "")
    flagged = [r for r in report.results if r["expectation"] == "rows.flagged_share"]
    assert flagged[0]["success"] and '"value": null' in flagged[0]["observed_value"]


def test_file_without_valid_rows_still_gets_a_verdict() -> None:
    verdicts = _gate([ro_rows(A, 10)], [file_row(A, FEED, 10), file_row(C, FEED, 3)])
    assert verdicts[C] == ("pass", "")


def test_lineage_paths_match_ledger_paths_by_dealer_feed_period() -> None:
    rows = ro_rows(A, 10)
    rows.loc[0, "status"] = "archived"
    verdicts = _gate([rows], [file_row(f"/srv/inbox/{A}", FEED, 10)])
    assert verdicts[f"/srv/inbox/{A}"][0] == "reject"


def test_gx_runtime_and_suites_are_built_once_per_process() -> None:
    from ingestion.quality.gx_runtime import get_runtime

    _gate([ro_rows(A, 5)], [file_row(A, FEED, 5)])
    runtime = get_runtime()
    suite = runtime.suite(load_feed_suites(FEED)[0])
    _gate([ro_rows(B, 5)], [file_row(B, FEED, 5)])
    assert get_runtime() is runtime
    assert runtime.suite(load_feed_suites(FEED)[0]) is suite
    assert len(runtime.context.data_sources.all()) == 1
