"""Faults inside one process: a full disk, a damaged landed file, a held copy released, a
lock held by another run."""

from __future__ import annotations

import errno
import re
import sqlite3
import zlib
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from corpus import RO, ro_csv, ros
from ing_network import Network

from ingestion import landing
from ingestion.lake_read import read_current
from ingestion.lake_state import IngestionBusy, LakeDamaged, LandingFailed, dealer_locks
from ingestion.pipeline import ingest_inbox, release_file, settle_lake
from ingestion.settings import ConfigError
from ingestion.shard import ingest_files
from warehouse.publish import WarehouseBuildFailed, build_and_publish

FEB = "D001/repair_orders/2024-02.csv"


def _ledger_rows(network: Network) -> list[tuple[str, str]]:
    with sqlite3.connect(network.settings.control_db) as conn:
        return conn.execute("SELECT file_path, status FROM file_ledger ORDER BY rowid").fetchall()


def _visible(lake: Path) -> dict[str, int]:
    """Current rows per landed partition (`<feed>/<dealer>/<period>`), as readers see them."""
    table = read_current(lake, "repair_orders", columns=["dealer_code", "period"])
    return dict(
        Counter(f"repair_orders/{d}/{p}" for d, p in zip(*table.to_pydict().values(), strict=True))
    )


def _hidden(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*") if p.is_file()]


def test_full_disk_is_a_clear_error_and_nothing_is_half_visible(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    network.write(RO, ro_csv(ros(30)))
    ingest_files(network.settings, [RO])
    before = _visible(network.settings.lake)
    ledger_before = _ledger_rows(network)
    # a corrected resend of March and a new February: the part file's write hits ENOSPC
    network.write(RO, ro_csv(ros(25, prefix="NEW")))
    network.write(FEB, ro_csv(ros(20, "2024-02", prefix="FEB")))
    real_write = landing.pq.write_table
    calls = []

    def full_disk(table, where, **kw):  # type: ignore[no-untyped-def]
        calls.append(where)
        if len(calls) == 1:
            Path(where).write_bytes(b"PAR1 half a file")  # what a full disk leaves behind
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(table, where, **kw)

    monkeypatch.setattr(landing.pq, "write_table", full_disk)
    with pytest.raises(LandingFailed) as failure:
        ingest_files(network.settings, [FEB, RO])
    message = str(failure.value)
    assert "disk is full" in message and "landed/repair_orders/part-" in message
    assert "Nothing of this run landed" in message
    assert _visible(network.settings.lake) == before  # the old March, no February
    assert _hidden(network.settings.lake) == []  # no staged or half-written file left
    assert _ledger_rows(network) == ledger_before  # the ledger knows nothing of the run

    monkeypatch.setattr(landing.pq, "write_table", real_write)
    ingest_files(network.settings, [FEB, RO])  # space freed: the run goes through
    assert _visible(network.settings.lake) == {
        "repair_orders/D001/2024-02": 20,
        "repair_orders/D001/2024-03": 25,
    }


def test_damaged_landed_file_is_named_and_stops_the_build(network: Network) -> None:
    network.write(RO, ro_csv(ros(30)))
    network.write(FEB, ro_csv(ros(20, "2024-02", prefix="FEB")))
    ingest_files(network.settings, [FEB, RO])  # as if killed before its control export
    export = network.settings.control_export_dir / "file_ledger"
    assert not export.exists()
    assert settle_lake(network.settings) == {"completed": 0, "checked": 1}  # one part file
    assert pq.read_table(export).num_rows == 2  # the build reads the ledger it lands with
    (damaged,) = (network.settings.landed_dir / "repair_orders").glob("*.parquet")
    name = damaged.relative_to(network.settings.lake).as_posix()
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte inside a data page
    damaged.write_bytes(bytes(data))
    with pytest.raises(LakeDamaged, match=re.escape(f"{name}: damaged")):
        settle_lake(network.settings)
    with pytest.raises(WarehouseBuildFailed, match=re.escape(f"{name}: damaged")):
        build_and_publish(network.settings)  # refused before dbt reads the lake
    assert not network.settings.warehouse.exists()
    damaged.unlink()
    with pytest.raises(LakeDamaged, match=re.escape(f"{name}: missing")):
        settle_lake(network.settings)


def test_copy_under_another_name_is_skipped_and_cannot_be_released(network: Network) -> None:
    feb = ro_csv(ros(20, "2024-02"))
    network.write(FEB, feb)
    ingest_files(network.settings, [FEB])
    network.write(RO, feb)  # the same bytes sent again as March
    ingest_files(network.settings, [RO])
    assert _ledger_rows(network)[-1] == (RO, "skipped")
    with pytest.raises(ConfigError, match="is not held"):
        release_file(network.settings, RO)
    assert _visible(network.settings.lake) == {"repair_orders/D001/2024-02": 20}


def test_a_run_refuses_clearly_when_its_dealer_stays_locked(network: Network) -> None:
    network.write(RO, ro_csv(ros(20)))
    busy = network.settings.model_copy(update={"lock_timeout": 0.5})
    with (
        dealer_locks(network.settings.lake, ["D001"], "run-other", timeout=1),
        pytest.raises(IngestionBusy) as refused,
    ):
        ingest_files(busy, [RO])
    assert "D001 are being ingested by run run-other" in str(refused.value)
    assert "Nothing was read or written" in str(refused.value)
    assert not network.settings.control_db.exists() or _ledger_rows(network) == []
    ingest_files(network.settings, [RO])  # the lock released: the run goes through
    assert _ledger_rows(network) == [(RO, "loaded")]


def test_runs_of_different_dealers_never_wait_for_each_other(network: Network) -> None:
    """Every dealer has a lock of its own: shards side by side never share one (dealer codes
    that fell into one of 64 buckets made them wait for each other)."""
    codes = [f"D{n:04d}" for n in range(400)]
    by_bucket: dict[int, list[str]] = {}
    for code in codes:
        by_bucket.setdefault(zlib.crc32(code.encode()) % 64, []).append(code)
    first, second = next(group for group in by_bucket.values() if len(group) > 1)[:2]
    lake = network.settings.lake
    with dealer_locks(lake, [first], "run-one", timeout=0):
        with dealer_locks(lake, [second], "run-two", timeout=0):
            pass  # taken at once
        with (
            pytest.raises(IngestionBusy, match=f"{first} are being ingested by run run-one"),
            dealer_locks(lake, [first], "run-three", timeout=0),
        ):
            pass


def test_temporary_files_of_killed_writers_are_removed(network: Network) -> None:
    dead = 2**22 + 12345  # above the largest pid Linux hands out: no such process
    dealers = network.settings.landed_dir / "dealers"
    control = network.settings.control_export_dir
    for folder in (dealers, control):
        folder.mkdir(parents=True)
    (control / "file_ledger").mkdir()
    orphans = [
        dealers / f".data.parquet.tmp-{dead}",
        control / f".feed_alerts.parquet.tmp-{dead}",
        control / "file_ledger" / f".part-000000000007.parquet.tmp-{dead}",
    ]
    alive = control / ".lake_partitions.parquet.tmp-1"  # a writer at work (pid 1 lives): kept
    for path in (*orphans, alive):
        path.write_bytes(b"partial")
    network.write(RO, ro_csv(ros(20)))
    ingest_inbox(network.settings, progress=False)
    assert not any(p.exists() for p in orphans)
    assert alive.exists()
