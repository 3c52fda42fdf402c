"""Export of the control tables to Parquet, the warehouse's view of the control DB.

The ledger and the gate results only ever gain rows, and they grow with every file of the
network's history (hundreds of thousands of gate results a year at 300 dealers), so they
are exported as parts of new rows: ``<out>/<table>/part-<last rowid>.parquet`` holds the
rows after the previous part's last rowid. A run exports what it added, not the history.
The pointers (``lake_partitions``) and the alerts are small and change in place: each is
rewritten whole as ``<out>/<table>.parquet``.

Every file is written under a hidden temporary name and renamed into place; exports are
serialised by a lock file, so two processes never write the same rows twice. A part
list that no longer matches the table (a ``VACUUM`` renumbers rowids) is replaced by one
part of every row.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.control_db import COUNT_COLUMNS, control_db
from ingestion.lake_state import LOCK_DIR, exclusive_lock

APPENDED_TABLES = ("file_ledger", "gx_results")
REPLACED_TABLES = ("feed_alerts", "lake_partitions")
EXPORT_TABLES = APPENDED_TABLES + REPLACED_TABLES
EXPORT_DIR = "control"  # in the lake root
PART_GLOB = "part-*.parquet"
_INTEGERS = frozenset({*COUNT_COLUMNS, "rows", "_rowid"})
_TIMESTAMPS = frozenset({"started_at", "finished_at", "validated_at", "raised_at"})


def export_path(table: str) -> str:
    """Where `table` is exported, relative to the lake root (a glob for parts)."""
    name = f"{table}/{PART_GLOB}" if table in APPENDED_TABLES else f"{table}.parquet"
    return f"{EXPORT_DIR}/{name}"


def export_tables(db_path: Path, out_dir: Path) -> dict[str, int]:
    """Bring every exported table up to date; returns the rows each table holds."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    locks = db_path.parent / LOCK_DIR  # the control DB sits in the lake root
    locks.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(locks / "export.lock"), control_db(db_path) as conn:
        for table in APPENDED_TABLES:
            counts[table] = _append_new_rows(conn, table, out_dir / table)
            (out_dir / f"{table}.parquet").unlink(missing_ok=True)  # the one-file layout
        for table in REPLACED_TABLES:
            cur = conn.execute(f"SELECT * FROM {table}")
            data = _arrow(cur)
            _write(data, out_dir / f"{table}.parquet")
            counts[table] = data.num_rows
    return counts


def _append_new_rows(conn: sqlite3.Connection, table: str, folder: Path) -> int:
    folder.mkdir(exist_ok=True)
    parts = sorted(folder.glob(PART_GLOB))
    last = int(parts[-1].stem.removeprefix("part-")) if parts else 0
    exported = sum(pq.read_metadata(p).num_rows for p in parts)
    (total,) = conn.execute(f"SELECT count(*) FROM {table} WHERE rowid <= ?", (last,)).fetchone()
    stale = parts if exported != total else []
    if stale:
        last = 0
    sql = f"SELECT rowid AS _rowid, * FROM {table} WHERE rowid > ? ORDER BY rowid"
    data = _arrow(conn.execute(sql, (last,)))
    if data.num_rows or not parts or stale:  # an empty table still has one (empty) part
        upto = data.column("_rowid")[-1].as_py() if data.num_rows else last
        written = folder / f"part-{upto:012d}.parquet"
        _write(data.drop_columns(["_rowid"]), written)
        for path in stale:
            if path != written:
                path.unlink()
    (rows,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(rows)


def _arrow(cur: sqlite3.Cursor) -> pa.Table:
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    arrays = {}
    for name, values in zip(names, columns, strict=True):
        if name in _INTEGERS:
            arrays[name] = pa.array(values, type=pa.int64())
        elif name == "success":
            arrays[name] = pa.array(
                [None if v is None else bool(v) for v in values], type=pa.bool_()
            )
        elif name in _TIMESTAMPS:
            arrays[name] = pa.array(values, type=pa.string()).cast(pa.timestamp("us"))
        else:
            arrays[name] = pa.array(values, type=pa.string())
    return pa.table(arrays)


def _write(data: pa.Table, target: Path) -> None:
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    pq.write_table(data, tmp)
    os.replace(tmp, target)
