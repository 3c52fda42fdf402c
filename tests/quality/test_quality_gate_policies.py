"""Each failure policy acting on purpose-built batches; one GX validation per batch."""

from __future__ import annotations

import pandas as pd
import pytest
from quality_batches import file_row, ro_rows

from ingestion.quality.gate import run_gate
from ingestion.quality.gx_runtime import GxRuntime, get_runtime
from ingestion.quality.suites import load_feed_suite

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
    assert len(report.results) == 2 * len(load_feed_suite(FEED).expectations)
    assert all(r["success"] for r in report.results)
    assert {r["run_id"] for r in report.results} == {"run-clean"}
    assert {r["suite"] for r in report.results} == {f"{FEED}.files"}
    assert {(r["file_path"], r["dealer_code"], r["period"]) for r in report.results} == {
        (A, "D0001", "2024-03"),
        (B, "D0002", "2024-03"),
    }


def test_rows_are_the_row_contracts_business_not_the_gates() -> None:
    """A value the row contract would quarantine is not looked at again by the gate."""
    rows = ro_rows(A, 20)
    rows.loc[3, "status"] = "archived"
    rows.loc[4, "ro_no"] = rows.loc[5, "ro_no"]
    assert _gate([rows], [file_row(A, FEED, 20)])[A] == ("pass", "")


def test_volume_drop_holds_only_the_offending_file() -> None:
    verdicts = _gate(
        [ro_rows(A, 5), ro_rows(B, 30)],
        [
            file_row(A, FEED, 5, trailing_median=100.0, prior_periods=6),
            file_row(B, FEED, 30, trailing_median=30.0, prior_periods=6),
        ],
    )
    assert verdicts[A][0] == "hold" and "volume.trailing_median" in verdicts[A][1]
    assert verdicts[B] == ("pass", "")


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
    assert flagged[0]["success"] and '"value": 1.0' in flagged[0]["observed_value"]


def test_file_without_valid_rows_still_gets_a_verdict() -> None:
    verdicts = _gate([ro_rows(A, 10)], [file_row(A, FEED, 10), file_row(C, FEED, 3)])
    assert verdicts[C] == ("pass", "")


def test_lineage_paths_match_ledger_paths_by_dealer_feed_period() -> None:
    rows = ro_rows(A, 20)
    rows.loc[:4, "dq_flags"] = "promised_missing"
    verdicts = _gate([rows], [file_row(f"/srv/inbox/{A}", FEED, 20)])
    assert verdicts[f"/srv/inbox/{A}"][0] == "warn"


def test_one_gx_validation_per_batch_whatever_the_number_of_files(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    original = GxRuntime.validate

    def counted(self: GxRuntime, frame: pd.DataFrame, spec: object) -> list:
        calls.append(len(frame))
        return original(self, frame, spec)  # type: ignore[arg-type]

    monkeypatch.setattr(GxRuntime, "validate", counted)
    paths = [f"D{i:04d}/repair_orders/2024-03.csv" for i in range(40)]
    _gate([ro_rows(p, 12) for p in paths], [file_row(p, FEED, 12) for p in paths])
    assert calls == [40]


def test_gx_runtime_and_suites_are_built_once_per_process() -> None:
    _gate([ro_rows(A, 5)], [file_row(A, FEED, 5)])
    runtime = get_runtime()
    suite = runtime.suite(load_feed_suite(FEED))
    _gate([ro_rows(B, 5)], [file_row(B, FEED, 5)])
    assert get_runtime() is runtime
    assert runtime.suite(load_feed_suite(FEED)) is suite
    assert len(runtime.context.data_sources.all()) == 1
