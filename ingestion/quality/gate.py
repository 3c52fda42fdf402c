"""Batch gate: validates one feed's rows of one ingestion shard and returns per-file verdicts."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

STATUSES = ("pass", "warn", "hold", "reject")


@dataclass
class GateReport:
    """Outcome of the gate for one (feed, shard) batch."""

    verdicts: dict[str, tuple[str, str]] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)


def run_gate(feed: str, rows: pd.DataFrame, files: pd.DataFrame, run_id: str) -> GateReport:
    """Validate a batch; initial version passes every file."""
    report = GateReport()
    for path in files["file_path"].astype(str):
        report.verdicts[path] = ("pass", "")
    return report


def write_results(conn: sqlite3.Connection, results: list[dict[str, Any]]) -> int:
    """Append gate results to the gx_results table; returns the number of rows written."""
    return 0
