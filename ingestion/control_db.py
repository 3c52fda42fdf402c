"""Control database (SQLite, WAL): file ledger, gate results, feed alerts; Parquet export."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tenacity import retry, retry_if_exception, stop_after_attempt, wait_fixed

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
)"""
GX_RESULTS_DDL = """
CREATE TABLE IF NOT EXISTS gx_results (
    run_id TEXT NOT NULL,
    validated_at TEXT NOT NULL,
    dealer_code TEXT,
    feed TEXT NOT NULL,
    period TEXT,
    file_path TEXT,
    suite TEXT NOT NULL,
    expectation TEXT NOT NULL,
    policy TEXT NOT NULL,
    success INTEGER NOT NULL,
    observed_value TEXT
)"""
GX_RESULT_COLUMNS = (
    "run_id",
    "validated_at",
    "dealer_code",
    "feed",
    "period",
    "file_path",
    "suite",
    "expectation",
    "policy",
    "success",
    "observed_value",
)
CONTROL_DB_FILE = "control.sqlite"  # beside the landed files, in the lake root
ALERT_COLUMNS = ("alert_id", "raised_at", "kind", "dealer_code", "feed", "period", "message")
FEED_ALERTS_DDL = """
CREATE TABLE IF NOT EXISTS feed_alerts (
    alert_id TEXT PRIMARY KEY,
    raised_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    dealer_code TEXT,
    feed TEXT,
    period TEXT,
    message TEXT
)"""
LANDING_JOURNAL_DDL = """
CREATE TABLE IF NOT EXISTS landing_journal (
    run_id TEXT NOT NULL,
    staged TEXT,
    target TEXT NOT NULL
)"""
LANDED_FILES_DDL = """
CREATE TABLE IF NOT EXISTS landed_files (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    rows INTEGER,
    run_id TEXT
)"""
LAKE_PARTITIONS_DDL = """
CREATE TABLE IF NOT EXISTS lake_partitions (
    area TEXT NOT NULL,
    feed TEXT NOT NULL,
    dealer_code TEXT NOT NULL,
    period TEXT NOT NULL,
    part TEXT,
    rows INTEGER NOT NULL,
    run_id TEXT NOT NULL,
    PRIMARY KEY (area, feed, dealer_code, period)
)"""
INBOX_FILES_DDL = """
CREATE TABLE IF NOT EXISTS inbox_files (
    file_path TEXT PRIMARY KEY,
    signature TEXT NOT NULL,
    file_sha256 TEXT NOT NULL
)"""
SCHEMA = (
    ";\n".join(
        (
            FILE_LEDGER_DDL,
            INBOX_FILES_DDL,
            LANDING_JOURNAL_DDL,
            LANDED_FILES_DDL,
            LAKE_PARTITIONS_DDL,
            "CREATE INDEX IF NOT EXISTS ix_ledger_path ON file_ledger (file_path)",
            "CREATE INDEX IF NOT EXISTS ix_ledger_sha ON file_ledger (file_sha256)",
            "CREATE INDEX IF NOT EXISTS ix_ledger_dealer_feed ON file_ledger (dealer_code, feed, period)",
            GX_RESULTS_DDL,
            FEED_ALERTS_DDL,
        )
    )
    + ";"
)

LEDGER_COLUMNS = (
    "file_path",
    "file_sha256",
    "dealer_code",
    "feed",
    "period",
    "dialect",
    "rows_read",
    "rows_loaded",
    "rows_quarantined",
    "rows_duplicate",
    "status",
    "reason",
    "gate_failures",
    "started_at",
    "finished_at",
    "run_id",
)


def control_db_path(lake: Path) -> Path:
    return lake / CONTROL_DB_FILE


def connect(db_path: Path) -> sqlite3.Connection:
    """Open (and create) the control DB; WAL so several shards can write concurrently."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path, timeout=60.0)
    conn.execute("PRAGMA busy_timeout = 60000")
    _while_locked(_create_schema)(conn)
    return conn


def _is_locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


# Another shard holding the write lock past SQLite's own busy timeout: wait and try again.
_while_locked = retry(
    retry=retry_if_exception(_is_locked),
    stop=stop_after_attempt(40),
    wait=wait_fixed(0.25),
    reraise=True,
)


def _create_schema(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(SCHEMA)


@contextmanager
def control_db(db_path: Path) -> Iterator[sqlite3.Connection]:
    conn = connect(db_path)
    try:
        yield conn
    finally:
        conn.close()


@_while_locked
def _write(conn: sqlite3.Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    with conn:
        conn.executemany(sql, rows)


def insert_alerts(conn: sqlite3.Connection, alerts: Iterable[dict[str, Any]]) -> int:
    """One feed_alerts row per alert (an alert without an id gets a new one)."""
    rows = [
        tuple(a.get(c) or (uuid.uuid4().hex if c == "alert_id" else None) for c in ALERT_COLUMNS)
        for a in alerts
    ]
    if rows:
        columns, marks = ", ".join(ALERT_COLUMNS), ", ".join("?" for _ in ALERT_COLUMNS)
        _write(conn, f"INSERT INTO feed_alerts ({columns}) VALUES ({marks})", rows)
    return len(rows)


COUNT_COLUMNS = ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate")
LEDGER_INSERT = (
    f"INSERT INTO file_ledger ({', '.join(LEDGER_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(LEDGER_COLUMNS))})"
)
GX_INSERT = (
    f"INSERT INTO gx_results ({', '.join(GX_RESULT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(GX_RESULT_COLUMNS))})"
)


def _ledger_rows(entries: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        tuple((e.get(c) or 0) if c in COUNT_COLUMNS else e.get(c) for c in LEDGER_COLUMNS)
        for e in entries
    ]


def _gx_rows(results: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        tuple(
            (None if r.get(c) is None else (r[c] if c != "observed_value" else str(r[c])))
            for c in GX_RESULT_COLUMNS
        )
        for r in results
    ]


def insert_ledger(conn: sqlite3.Connection, entries: Iterable[dict[str, Any]]) -> int:
    rows = _ledger_rows(entries)
    if rows:
        _write(conn, LEDGER_INSERT, rows)
    return len(rows)


def insert_gx_results(conn: sqlite3.Connection, results: Iterable[dict[str, Any]]) -> int:
    rows = _gx_rows(results)
    if rows:
        _write(conn, GX_INSERT, rows)
    return len(rows)


@_while_locked
def commit_run(
    conn: sqlite3.Connection,
    entries: list[dict[str, Any]],
    results: list[dict[str, Any]],
    also: Callable[[sqlite3.Connection], None] | None = None,
) -> None:
    """A run's ledger rows, gate results and (`also`: landing journal, inbox signatures)
    in one transaction: a kill leaves all of them or none."""
    with conn:
        conn.executemany(LEDGER_INSERT, _ledger_rows(entries))
        conn.executemany(GX_INSERT, _gx_rows(results))
        if also is not None:
            also(conn)


def latest_entries(conn: sqlite3.Connection, file_paths: list[str]) -> dict[str, dict[str, Any]]:
    """Latest ledger row per file path (by ledger_id)."""
    out: dict[str, dict[str, Any]] = {}
    conn.row_factory = sqlite3.Row
    try:
        for i in range(0, len(file_paths), 500):
            chunk = file_paths[i : i + 500]
            sql = (
                "SELECT l.rowid AS ledger_rowid, l.* FROM file_ledger l JOIN (SELECT file_path, MAX(rowid) AS m "
                f"FROM file_ledger WHERE file_path IN ({', '.join('?' * len(chunk))}) "
                "GROUP BY file_path) x ON l.rowid = x.m"
            )
            for row in conn.execute(sql, chunk):
                out[row["file_path"]] = dict(row)
    finally:
        conn.row_factory = None
    return out


def loaded_content(conn: sqlite3.Connection, shas: list[str]) -> dict[str, str]:
    """sha256 -> path of a file whose current version (latest entry that is not a skip) has
    that content, was landed (loaded or released) and had data rows."""
    out: dict[str, str] = {}
    for i in range(0, len(shas), 400):
        chunk = shas[i : i + 400]
        marks = ", ".join("?" * len(chunk))
        sql = (
            "SELECT l.file_sha256, l.file_path FROM file_ledger l JOIN ("
            "SELECT file_path, MAX(rowid) AS m FROM file_ledger WHERE status != 'skipped' AND "
            f"file_path IN (SELECT file_path FROM file_ledger WHERE file_sha256 IN ({marks})) "
            "GROUP BY file_path) x ON l.rowid = x.m WHERE l.status IN ('loaded', 'released') "
            f"AND l.rows_read > 0 AND l.file_sha256 IN ({marks}) ORDER BY l.rowid"
        )
        for sha, path in conn.execute(sql, [*chunk, *chunk]):
            out.setdefault(sha, path)
    return out


def loaded_history(
    conn: sqlite3.Connection, dealer_codes: list[str]
) -> list[tuple[str, str, str, int]]:
    """(dealer, feed, period, rows_read) of the current loaded version of every file."""
    out: list[tuple[str, str, str, int]] = []
    for i in range(0, len(dealer_codes), 500):
        chunk = dealer_codes[i : i + 500]
        sql = (
            "SELECT l.dealer_code, l.feed, l.period, l.rows_read FROM file_ledger l JOIN ("
            "SELECT file_path, MAX(rowid) AS m FROM file_ledger WHERE status IN "
            f"('loaded','released') AND dealer_code IN ({', '.join('?' * len(chunk))}) "
            "GROUP BY file_path) x ON l.rowid = x.m"
        )
        out.extend(conn.execute(sql, chunk).fetchall())
    return out
