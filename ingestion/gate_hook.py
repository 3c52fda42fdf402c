"""Call the batch quality gate (ingestion.quality.gate) when it is installed."""

from __future__ import annotations

import importlib
import sqlite3
from typing import Any

import pandas as pd

from ingestion.volume import is_volume_hold


def run_quality_gate(
    feed: str, rows: pd.DataFrame, files: pd.DataFrame, run_id: str
) -> tuple[dict[str, tuple[str, str]], list[dict[str, Any]]]:
    """Verdict per file path and gx_results rows. Without the gate module, apply the volume rule."""
    try:
        gate = importlib.import_module("ingestion.quality.gate")
    except ImportError:
        verdicts: dict[str, tuple[str, str]] = {}
        for f in files.itertuples(index=False):
            median = None if pd.isna(f.trailing_median) else float(f.trailing_median)
            if is_volume_hold(int(f.rows_read), median, int(f.prior_periods)):
                verdicts[f.file_path] = (
                    "hold",
                    f"{f.rows_read} rows < 30% of trailing median {median:g}",
                )
            else:
                verdicts[f.file_path] = ("pass", "")
        return verdicts, []
    report = gate.run_gate(feed, rows, files, run_id)
    return dict(report.verdicts), list(report.results)


def write_gate_results(conn: sqlite3.Connection, results: list[dict[str, Any]]) -> int:
    if not results:
        return 0
    from ingestion.control_db import insert_gx_results

    try:
        gate = importlib.import_module("ingestion.quality.gate")
        writer = getattr(gate, "write_results", None)
    except ImportError:
        writer = None
    if writer is not None:
        written = int(writer(conn, results) or 0)
        if written:
            return written
    return insert_gx_results(conn, results)
