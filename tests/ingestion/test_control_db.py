"""Control DB: concurrent writers (parallel shards) and the Parquet export."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pandas as pd

from ingestion.control_db import connect, export_tables, insert_ledger, latest_entries


def _writer(db: str, shard: int) -> None:
    conn = connect(Path(db))
    for i in range(60):
        insert_ledger(
            conn,
            [
                {
                    "file_path": f"D{shard}/repair_orders/2024-{i % 12 + 1:02d}.csv",
                    "file_sha256": f"{shard}-{i}",
                    "status": "loaded",
                    "rows_read": i,
                    "rows_loaded": i,
                }
            ],
        )
    conn.close()


def test_parallel_shards_write_without_losing_rows(tmp_path: Path) -> None:
    db = tmp_path / "control.sqlite"
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(db), s)) for s in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    conn = connect(db)
    assert conn.execute("SELECT count(*) FROM file_ledger").fetchone()[0] == 180
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    latest = latest_entries(conn, ["D1/repair_orders/2024-01.csv"])
    assert latest["D1/repair_orders/2024-01.csv"]["file_sha256"] == "1-48"  # last write wins
    conn.close()
    counts = export_tables(db, tmp_path / "control")
    assert counts["file_ledger"] == 180
    exported = pd.read_parquet(tmp_path / "control" / "file_ledger.parquet")
    assert exported["rows_read"].dtype == "int64" and len(exported) == 180
