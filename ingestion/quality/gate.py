"""Batch gate: judges the files of one (feed, shard) batch with Great Expectations and
returns a verdict per file plus result rows for ``gx_results``.

Rows are the row contract's business (pandera); the gate checks what rows cannot: the file
as a whole against itself and the dealer's history. ``ingestion.quality.metrics`` reduces
the batch to a frame with one row per file; the feed's suite (generated from its contract,
``ingestion.quality.suites``) runs once on that frame, so each unexpected row is a file.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from ingestion.control_db import GX_RESULT_COLUMNS, GX_RESULTS_DDL, insert_gx_results
from ingestion.quality.gx_runtime import get_runtime
from ingestion.quality.history import (
    History,
    history_partitions,
    landed_history,
    trailing_volume,
)
from ingestion.quality.metrics import file_metrics
from ingestion.quality.suites import ExpectationMeta, load_feed_suite
from ingestion.settings import Settings

STATUSES = ("pass", "warn", "hold", "reject")
_SEVERITY = {"pass": 0, "warn": 1, "hold": 2, "reject": 3}
RESULT_COLUMNS = GX_RESULT_COLUMNS


@dataclass
class GateReport:
    """Outcome of the gate for one (feed, shard) batch.

    ``verdicts``: file_path -> (status, reason); status is pass | warn | hold | reject and the
    reason names every failing expectation, worst policy first.
    ``results``: one row per file x expectation, columns as the ``gx_results`` table.
    ``metrics``: the metrics frame the suite was evaluated on (one row per file).
    """

    verdicts: dict[str, tuple[str, str]] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    metrics: pd.DataFrame | None = None


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


def _clean(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def run_gate(
    feed: str,
    rows: pd.DataFrame,
    files: pd.DataFrame,
    run_id: str,
    history: pd.DataFrame | None = None,
) -> GateReport:
    """Judge one feed's batch and return a verdict per file of ``files``.

    ``files``: one row per file (``file_path, dealer_code, feed, period, rows_read,
    rows_quarantined, trailing_median, prior_periods``); ``rows``: the batch's rows that
    passed the row contract; ``history``: landed rows of the dealers' earlier periods (see
    ``ingestion.quality.metrics.file_metrics``).
    """
    spec = load_feed_suite(feed)
    report = GateReport()
    files = files.reset_index(drop=True)
    if files.empty:
        return report
    frame = file_metrics(feed, files, rows, history)
    report.metrics = frame
    validated_at = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    paths = frame["file_path"].tolist()
    dealers = files["dealer_code"].astype(str).tolist()
    periods = files["period"].astype(str).tolist()
    outcomes = [_FileOutcome() for _ in paths]

    for exp, result in zip(spec.expectations, get_runtime().validate(frame, spec), strict=True):
        meta = ExpectationMeta.model_validate(exp["meta"])
        raised = bool((result.exception_info or {}).get("raised_exception"))
        column = exp["kwargs"]["column"]
        unexpected = {int(i) for i in result.result.get("unexpected_index_list") or []}
        values = frame[column].tolist() if column in frame.columns else [None] * len(paths)
        for i, path in enumerate(paths):
            ok = not raised and i not in unexpected
            observed = {"column": column, "value": _clean(values[i])}
            if raised:
                observed["error"] = str(result.exception_info.get("exception_message"))
            report.results.append(
                {
                    "run_id": run_id,
                    "validated_at": validated_at,
                    "dealer_code": dealers[i],
                    "feed": feed,
                    "period": periods[i],
                    "file_path": path,
                    "suite": spec.name,
                    "expectation": meta.name,
                    "policy": meta.policy,
                    "success": ok,
                    "observed_value": json.dumps(observed, sort_keys=True),
                }
            )
            if not ok:
                detail = "error" if raised else f"{column}={values[i]:.3f}"
                outcomes[i].failures.append((meta.policy, meta.name, detail))

    report.verdicts = {p: outcomes[i].verdict() for i, p in enumerate(paths)}
    return report


def run_quality_gate(
    settings: Settings,
    feed: str,
    rows: pd.DataFrame,
    files: list[dict[str, Any]],
    history: History,
    run_id: str,
) -> tuple[dict[str, tuple[str, str]], list[dict[str, Any]]]:
    """The gate as ingestion calls it: the dealer history of ``files`` (the feed's files of
    the shard; ``rejected`` ones were refused before the gate and only shape the history),
    then :func:`run_gate` on the files that reached the gate. Returns (verdict per file path,
    gx_results rows)."""
    trailing = trailing_volume(feed, files, history)
    gate_files = pd.DataFrame(
        [
            {
                **{k: v for k, v in f.items() if k != "rejected"},
                "trailing_median": trailing[str(f["file_path"])][0],
                "prior_periods": trailing[str(f["file_path"])][1],
            }
            for f in files
            if not f.get("rejected")
        ]
    )
    if gate_files.empty:
        return {}, []
    keys = list(zip(gate_files["dealer_code"], gate_files["period"], strict=True))
    landed = landed_history(settings.lake, feed, history_partitions(feed, keys, history))
    report = run_gate(feed, rows, gate_files, run_id, landed)
    return dict(report.verdicts), list(report.results)


def write_results(conn: sqlite3.Connection, results: list[dict[str, Any]]) -> int:
    """Append gate results to ``gx_results`` (created if missing); returns rows written."""
    conn.execute(GX_RESULTS_DDL)
    return insert_gx_results(conn, results)
