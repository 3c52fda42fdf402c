"""Control DB access shared by the quality modules (tables per docs/architecture.md)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ingestion.control_db import FEED_ALERTS_DDL, FILE_LEDGER_DDL, GX_RESULTS_DDL

__all__ = ["FEED_ALERTS_DDL", "FILE_LEDGER_DDL", "GX_RESULTS_DDL", "connect", "table_exists"]


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
