"""Control DB: concurrent writers (parallel shards) and the Parquet export."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pandas as pd

from ingestion.control_db import connect, insert_ledger, latest_entries
from ingestion.control_export import export_tables


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
    exported = pd.read_parquet(tmp_path / "control" / "file_ledger")
    assert exported["rows_read"].dtype == "int64" and len(exported) == 180


def _entry(i: int) -> dict[str, object]:
    return {"file_path": f"D1/repair_orders/{i}.csv", "status": "loaded", "rows_read": i}


def test_the_ledger_export_adds_a_part_of_the_new_rows_only(tmp_path: Path) -> None:
    db, out = tmp_path / "control.sqlite", tmp_path / "control"
    conn = connect(db)
    insert_ledger(conn, [_entry(i) for i in range(3)])
    export_tables(db, out)
    first = sorted((out / "file_ledger").glob("part-*.parquet"))
    assert [p.name for p in first] == ["part-000000000003.parquet"]
    before = first[0].stat().st_mtime_ns
    export_tables(db, out)  # nothing new: no new part, the old one untouched
    assert sorted((out / "file_ledger").glob("part-*.parquet")) == first
    assert first[0].stat().st_mtime_ns == before
    insert_ledger(conn, [_entry(i) for i in range(3, 5)])
    counts = export_tables(db, out)
    parts = sorted((out / "file_ledger").glob("part-*.parquet"))
    assert [p.name for p in parts] == ["part-000000000003.parquet", "part-000000000005.parquet"]
    assert pd.read_parquet(parts[1])["rows_read"].tolist() == [3, 4]
    assert counts["file_ledger"] == 5
    assert pd.read_parquet(out / "file_ledger")["rows_read"].tolist() == [0, 1, 2, 3, 4]
    conn.close()


def test_a_part_list_that_no_longer_matches_the_table_is_exported_again(
    tmp_path: Path,
) -> None:
    db, out = tmp_path / "control.sqlite", tmp_path / "control"
    conn = connect(db)
    for i in range(4):
        insert_ledger(conn, [_entry(i)])
        export_tables(db, out)
    parts = sorted((out / "file_ledger").glob("part-*.parquet"))
    assert len(parts) == 4
    parts[1].unlink()  # a lost part (or rowids renumbered): the export no longer adds up
    export_tables(db, out)
    (only,) = sorted((out / "file_ledger").glob("part-*.parquet"))
    assert pd.read_parquet(only)["rows_read"].tolist() == [0, 1, 2, 3]
    conn.close()


def test_an_empty_ledger_exports_an_empty_part_with_its_columns(tmp_path: Path) -> None:
    db, out = tmp_path / "control.sqlite", tmp_path / "control"
    connect(db).close()
    export_tables(db, out)
    exported = pd.read_parquet(out / "file_ledger")
    assert len(exported) == 0 and "rows_read" in exported.columns
