"""Batch gate: validates one canonical feed's rows of one ingestion shard with Great
Expectations and returns a verdict per input file plus result rows for ``gx_results``.

The row-level suite runs once per (feed, shard) batch; failures are attributed to files by
GX's unexpected row indexes and the ``_source_file`` lineage column. File-level checks
(volume, quarantine and flagged shares, period consistency) run on a frame with one row per
file, so each unexpected row is a file.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from ingestion.contracts import FEEDS
from ingestion.control_db import GX_RESULT_COLUMNS, GX_RESULTS_DDL
from ingestion.quality.gx_runtime import get_runtime
from ingestion.quality.suites import ExpectationMeta, SuiteSpec, load_feed_suites

STATUSES = ("pass", "warn", "hold", "reject")
_SEVERITY = {"pass": 0, "warn": 1, "hold": 2, "reject": 3}
RESULT_COLUMNS = GX_RESULT_COLUMNS


@dataclass
class GateReport:
    """Outcome of the gate for one (feed, shard) batch.

    ``verdicts``: file_path -> (status, reason); status is pass | warn | hold | reject and the
    reason names every failing expectation, worst policy first.
    ``results``: one row per file x expectation, columns as the ``gx_results`` table.
    """

    verdicts: dict[str, tuple[str, str]] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _FileOutcome:
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (policy, name, detail)

    def verdict(self) -> tuple[str, str]:
        if not self.failures:
            return "pass", ""
        ordered = sorted(self.failures, key=lambda f: -_SEVERITY[f[0]])
        status = ordered[0][0]
        parts: dict[str, list[str]] = {}
        for policy, name, detail in ordered:
            parts.setdefault(policy, []).append(f"{name} ({detail})" if detail else name)
        return status, "; ".join(f"{p}: {', '.join(items)}" for p, items in parts.items())


def _file_key(path: str) -> str:
    """dealer/feed/period.ext: the part a ledger path and a lineage path always share."""
    return "/".join(PurePosixPath(str(path).replace("\\", "/")).parts[-3:])


def _naive_datetime(series: pd.Series) -> pd.Series:
    if not pd.api.types.is_datetime64_any_dtype(series):
        series = pd.to_datetime(series, errors="coerce", format="ISO8601")
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    return series


def _prepare_rows(feed: str, rows: pd.DataFrame, spec: SuiteSpec) -> pd.DataFrame:
    """Only the columns the suite reads, typed for comparison, with a fresh RangeIndex."""
    definition = FEEDS[feed]
    types = {c.name: c.type for c in definition.columns}
    wanted = sorted(spec.columns() | {"_source_file"})
    out: dict[str, Any] = {}
    for col in wanted:
        series = rows[col] if col in rows.columns else pd.Series([None] * len(rows), dtype=object)
        series = series.reset_index(drop=True)
        kind = types.get(col, "str")
        if kind in ("ts", "date"):
            series = _naive_datetime(series)
        elif kind in ("int", "decimal") and not pd.api.types.is_float_dtype(series):
            series = pd.to_numeric(series, errors="coerce").astype("float64")
        out[col] = series
    return pd.DataFrame(out, index=pd.RangeIndex(len(rows)))


def _file_metrics(
    files: pd.DataFrame,
    rows: pd.DataFrame,
    row_file_pos: np.ndarray,
    period_column: str,
    files_spec: SuiteSpec,
) -> pd.DataFrame:
    """One row per file: the metrics the file-level suite checks."""
    n_files = len(files)
    counts = np.bincount(row_file_pos[row_file_pos >= 0], minlength=n_files).astype(float)
    flags = rows["dq_flags"] if "dq_flags" in rows.columns else pd.Series([""] * len(rows))
    flagged = flags.fillna("").astype(str).str.strip().ne("").to_numpy()
    flagged_counts = np.bincount(
        row_file_pos[(row_file_pos >= 0) & flagged], minlength=n_files
    ).astype(float)

    if period_column in rows.columns:
        ts = _naive_datetime(rows[period_column])
        has_ts = ts.notna().to_numpy()
        row_period = np.where(has_ts, (ts.dt.year * 12 + ts.dt.month).fillna(0), -1)
        row_period = row_period.astype(np.int64)
    else:
        row_period = np.full(len(rows), -1, dtype=np.int64)
        has_ts = np.zeros(len(rows), dtype=bool)
    declared_text = files["period"].astype(str).str.slice(0, 7)
    declared = (
        (
            pd.to_numeric(declared_text.str.slice(0, 4), errors="coerce") * 12
            + pd.to_numeric(declared_text.str.slice(5, 7), errors="coerce")
        )
        .fillna(-2)
        .astype(np.int64)
        .to_numpy()
    )
    matched = row_file_pos >= 0
    in_period = np.zeros(len(rows), dtype=bool)
    in_period[matched] = row_period[matched] == declared[row_file_pos[matched]]
    dated_counts = np.bincount(row_file_pos[matched & has_ts], minlength=n_files).astype(float)
    in_counts = np.bincount(row_file_pos[matched & in_period & has_ts], minlength=n_files)

    rows_read = pd.to_numeric(files["rows_read"], errors="coerce").fillna(0).to_numpy(float)
    quarantined = (
        pd.to_numeric(files["rows_quarantined"], errors="coerce").fillna(0).to_numpy(float)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        quarantine_share = np.where(rows_read > 0, quarantined / rows_read, np.nan)
        flagged_share = np.where(
            (counts > 0) & (counts >= files_spec.meta.flagged_share_min_rows),
            flagged_counts / counts,
            np.nan,
        )
        in_period_share = np.where(dated_counts > 0, in_counts / dated_counts, np.nan)

    volume_ratio = np.full(n_files, np.nan)
    rule = files_spec.meta.volume
    if rule is not None:
        median = pd.to_numeric(files["trailing_median"], errors="coerce").to_numpy(float)
        prior = pd.to_numeric(files["prior_periods"], errors="coerce").fillna(0).to_numpy(float)
        eligible = (
            ~np.isnan(median)
            & (median >= rule.min_trailing_median)
            & (prior >= rule.min_prior_periods)
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            volume_ratio = np.where(eligible, rows_read / median, np.nan)
    return pd.DataFrame(
        {
            "file_path": files["file_path"].astype(str).to_numpy(),
            "rows_read": rows_read,
            "rows_in_batch": counts,
            "quarantine_share": quarantine_share,
            "flagged_share": flagged_share,
            "in_period_share": in_period_share,
            "volume_ratio": volume_ratio,
        }
    )


def _meta(meta: dict[str, Any] | None) -> ExpectationMeta:
    return ExpectationMeta.model_validate(meta or {})


def _json(value: Any) -> str:
    def clean(v: Any) -> Any:
        if isinstance(v, float) and math.isnan(v):
            return None
        if isinstance(v, np.generic):
            return clean(v.item())
        return v

    return json.dumps({k: clean(v) for k, v in value.items()}, default=str, sort_keys=True)


def run_gate(feed: str, rows: pd.DataFrame, files: pd.DataFrame, run_id: str) -> GateReport:
    """Validate one feed's batch and return a verdict per file of ``files``."""
    rows_spec, files_spec = load_feed_suites(feed)
    runtime = get_runtime()
    files = files.reset_index(drop=True)
    rows = rows.reset_index(drop=True)
    validated_at = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    report = GateReport()
    if files.empty:
        return report

    paths = files["file_path"].astype(str).tolist()
    pos_by_key = {_file_key(p): i for i, p in enumerate(paths)}
    pos_by_path = {p: i for i, p in enumerate(paths)}
    source = rows["_source_file"].astype(str) if "_source_file" in rows.columns else None
    if source is None or rows.empty:
        row_file_pos = np.full(len(rows), -1, dtype=np.int64)
    else:
        codes, uniques = pd.factorize(source, sort=False)
        lookup = np.array(
            [pos_by_path.get(u, pos_by_key.get(_file_key(u), -1)) for u in uniques],
            dtype=np.int64,
        )
        row_file_pos = lookup[codes]

    outcomes = [_FileOutcome() for _ in paths]
    per_file_rows = np.bincount(row_file_pos[row_file_pos >= 0], minlength=len(paths))

    dealers = files["dealer_code"].astype(str).tolist()
    periods = files["period"].astype(str).tolist()

    def add_result(i: int, suite: str, meta: ExpectationMeta, success: bool, observed: str) -> None:
        report.results.append(
            {
                "run_id": run_id,
                "validated_at": validated_at,
                "dealer_code": dealers[i],
                "feed": feed,
                "period": periods[i],
                "file_path": paths[i],
                "suite": suite,
                "expectation": meta.name,
                "policy": meta.policy,
                "success": bool(success),
                "observed_value": observed,
            }
        )

    # Row-level suite: one GX run for the whole batch.
    row_frame = _prepare_rows(feed, rows, rows_spec)
    row_result = runtime.validate("rows", row_frame, rows_spec)
    for exp_result in row_result:
        meta = _meta(exp_result.expectation_config.meta)
        raised = bool((exp_result.exception_info or {}).get("raised_exception"))
        index = exp_result.result.get("unexpected_index_list") or []
        idx = np.asarray([int(i) for i in index], dtype=np.int64)
        file_pos = row_file_pos[idx] if len(idx) else np.empty(0, dtype=np.int64)
        unexpected = np.bincount(file_pos[file_pos >= 0], minlength=len(paths))
        for i in range(len(paths)):
            bad = int(unexpected[i])
            ok = not raised and bad == 0
            observed = {"unexpected_count": bad, "element_count": int(per_file_rows[i])}
            if raised:
                observed["error"] = str(exp_result.exception_info.get("exception_message"))
            add_result(i, rows_spec.name, meta, ok, _json(observed))
            if not ok:
                detail = "error" if raised else f"{bad} of {int(per_file_rows[i])} rows"
                outcomes[i].failures.append((meta.policy, meta.name, detail))

    # File-level suite: one row per file.
    file_frame = _file_metrics(files, rows, row_file_pos, rows_spec.meta.period_column, files_spec)
    file_result = runtime.validate("files", file_frame, files_spec)
    for exp_result in file_result:
        meta = _meta(exp_result.expectation_config.meta)
        raised = bool((exp_result.exception_info or {}).get("raised_exception"))
        column = exp_result.expectation_config.kwargs.get("column", "")
        bad_files = {int(i) for i in exp_result.result.get("unexpected_index_list") or []}
        values = (
            file_frame[column].tolist() if column in file_frame.columns else [None] * len(paths)
        )
        for i in range(len(paths)):
            value = values[i]
            ok = not raised and i not in bad_files
            add_result(i, files_spec.name, meta, ok, _json({"column": column, "value": value}))
            if not ok:
                detail = "error" if raised else f"{column}={value:.3f}"
                outcomes[i].failures.append((meta.policy, meta.name, detail))

    report.verdicts = {p: outcomes[i].verdict() for i, p in enumerate(paths)}
    return report


def write_results(conn: sqlite3.Connection, results: list[dict[str, Any]]) -> int:
    """Append gate results to ``gx_results`` (created if missing); returns rows written."""
    conn.execute(GX_RESULTS_DDL)
    conn.executemany(
        f"INSERT INTO gx_results ({', '.join(RESULT_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in RESULT_COLUMNS)})",
        [tuple(int(r[c]) if c == "success" else r[c] for c in RESULT_COLUMNS) for r in results],
    )
    conn.commit()
    return len(results)
