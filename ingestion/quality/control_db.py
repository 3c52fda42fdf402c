"""Control DB access shared by the quality modules (tables per docs/architecture.md)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

FEED_ALERTS_DDL = """
CREATE TABLE IF NOT EXISTS feed_alerts (
    alert_id TEXT PRIMARY KEY,
    raised_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    dealer_code TEXT,
    feed TEXT,
    period TEXT,
    message TEXT
)
"""

FILE_LEDGER_DDL = """
CREATE TABLE IF NOT EXISTS file_ledger (
    file_path TEXT NOT NULL,
    file_sha256 TEXT,
    dealer_code TEXT,
    feed TEXT,
    period TEXT,
    dialect TEXT,
    rows_read INTEGER,
    rows_loaded INTEGER,
    rows_quarantined INTEGER,
    rows_duplicate INTEGER,
    status TEXT,
    reason TEXT,
    gate_failures TEXT,
    started_at TEXT,
    finished_at TEXT,
    run_id TEXT
)
"""


def connect(db_path: Path) -> sqlite3.Connection:
    """Open the control DB (created with its parent folder if missing)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def table_exists(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None
