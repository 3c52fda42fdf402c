"""File-level outcomes: reject, skip, hold/release, resend replace, path safety, reconciliation."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from ing_lake import landed, ledger, pointer, quarantine
from ing_network import RO_HEADER, Network, csv_text, ro_row

from ingestion.control_export import export_path
from ingestion.pipeline import (
    export_control_tables,
    ingest_inbox,
    land_dealer_master,
    plan_shards,
    release_file,
)
from ingestion.settings import ConfigError
from ingestion.shard import ingest_files

RO = "D001/repair_orders/2024-03.csv"


def _rows(n: int, prefix: str = "RO", month: str = "2024-03", **over: str) -> list[dict[str, str]]:
    """n valid repair orders dated inside `month` (the file's declared period)."""
    dates = {
        "arrived_at": f"{month}-05 09:00",
        "promised_at": f"{month}-05 17:00",
        "qc_completed_at": f"{month}-05 15:00",
        "delivered_at": f"{month}-05 16:30",
        "settled_at": f"{month}-05 16:00",
    }
    return [ro_row(i, ro_no=f"{prefix}{i:05d}", **{**dates, **over}) for i in range(1, n + 1)]


def _last(net: Network, rel: str) -> pd.Series:
    led = ledger(net.settings)
    return led[led["file_path"] == rel].iloc[-1]


def test_dealer_mismatch_rejects_file(network: Network) -> None:
    rows = _rows(30)
    rows[4]["dealer_code"] = "D002"
    network.write_ro(RO, rows)
    ingest_files(network.settings, [RO])
    entry = _last(network, RO)
    assert entry["status"] == "rejected" and entry["reason"].startswith("dealer_mismatch")
    assert "D002" in entry["reason"]
    assert not (network.settings.landed_dir / "repair_orders").exists()


@pytest.mark.parametrize(
    "rel",
    [
        "D999/repair_orders/2024-03.csv",
        "../D001/repair_orders/2024-03.csv",
        "D001/../D001/repair_orders/2024-03.csv",
        "/D001/repair_orders/2024-03.csv",
        "d001/repair_orders/2024-03.csv",
        "D001 /repair_orders/2024-03.csv",
    ],
)
def test_unknown_or_tricky_dealer_folder_rejected(network: Network, rel: str) -> None:
    ingest_files(network.settings, [rel])
    entry = _last(network, rel)
    assert entry["status"] == "rejected" and entry["reason"].startswith("dealer_unknown")


def test_symlinked_dealer_folder_not_followed(network: Network) -> None:
    network.write_ro("D001/repair_orders/2024-03.csv", _rows(25))
    os.symlink(network.inbox / "D001", network.inbox / "D002")
    shards = plan_shards(network.settings)
    files = [f for sh in shards for f in sh["files"]]
    assert "D002/" in files  # listed as the link itself, never walked
    ingest_files(network.settings, files)
    assert _last(network, "D002/")["status"] == "rejected"
    rel = "D002/repair_orders/2024-03.csv"
    ingest_files(network.settings, [rel])
    assert _last(network, rel)["status"] == "rejected"
    assert "symbolic link" in _last(network, rel)["reason"]


def test_zero_byte_rejected_header_only_loads_zero(network: Network) -> None:
    empty = network.write("D001/repair_orders/2024-01.csv", b"")
    header = network.write("D001/repair_orders/2024-02.csv", ",".join(RO_HEADER) + "\n")
    ingest_files(network.settings, [empty, header])
    assert _last(network, empty)["status"] == "rejected"
    assert "empty" in _last(network, empty)["reason"]
    h = _last(network, header)
    assert h["status"] == "loaded" and h["rows_read"] == 0 and h["rows_loaded"] == 0
    assert len(landed(network.settings, "repair_orders", "D001", "2024-02")) == 0


def test_missing_required_column_or_wrong_delimiter_rejected(network: Network) -> None:
    cols = [c for c in RO_HEADER if c != "total_amount"]
    a = network.write(
        "D001/repair_orders/2024-01.csv",
        csv_text(
            cols, [{k: v for k, v in r.items() if k in cols} for r in _rows(5, month="2024-01")]
        ),
    )
    b = network.write(
        "D001/repair_orders/2024-02.csv", csv_text(RO_HEADER, _rows(5)).replace(",", ";")
    )
    ingest_files(network.settings, [a, b])
    for rel in (a, b):
        entry = _last(network, rel)
        assert entry["status"] == "rejected"
        assert entry["reason"].startswith("required_column_missing")
    assert "total_amount" in _last(network, a)["reason"]


def test_quarantine_share_threshold_is_strict(network: Network) -> None:
    at_limit = _rows(20, month="2024-01")
    at_limit[0]["vin"] = "BADVIN"
    over = _rows(20, month="2024-02")
    over[0]["vin"] = "BADVIN"
    over[1]["vin"] = "BADVIN2"
    a = network.write_ro("D001/repair_orders/2024-01.csv", at_limit)
    b = network.write_ro("D001/repair_orders/2024-02.csv", over)
    ingest_files(network.settings, [a, b])
    assert _last(network, a)["status"] == "loaded"  # exactly 5%: not more than 5%
    rejected = _last(network, b)
    assert rejected["status"] == "rejected" and "10.0%" in rejected["reason"]
    # nothing lost: every row of the rejected file is in quarantine with a reason
    q = quarantine(network.settings, "repair_orders", "D001", "2024-02")
    assert len(q) == 20 == rejected["rows_quarantined"]
    assert set(q["rule_id"]) == {"vin_invalid", "file_rejected"}


def test_resend_replaces_period_and_rerun_skips(network: Network) -> None:
    network.write_ro(RO, _rows(40))
    ingest_files(network.settings, [RO])
    first = landed(network.settings, "repair_orders", "D001", "2024-03")
    assert len(first) == 40
    folder = network.settings.landed_dir / "repair_orders"
    parts = sorted(folder.iterdir())
    assert len(parts) == 1
    unchanged = ingest_files(network.settings, [RO])  # identical content
    assert _last(network, RO)["status"] == "skipped"
    assert sorted(folder.iterdir()) == parts  # nothing written
    assert unchanged["feeds_changed"] == []  # nothing for the warehouse to rebuild
    network.write_ro(RO, _rows(35, prefix="NEW"))  # corrected resend
    resent = ingest_files(network.settings, [RO])
    assert resent["feeds_changed"] == ["repair_orders"]
    second = landed(network.settings, "repair_orders", "D001", "2024-03")
    assert len(second) == 35 and second["ro_no"].str.startswith("NEW").all()
    statuses = ledger(network.settings)["status"].tolist()
    assert statuses == ["loaded", "skipped", "loaded"]
    # append-only: the resend added a part file and moved the partition's pointer to it
    after = sorted(folder.iterdir())
    assert len(after) == 2 and parts[0] in after
    assert pointer(network.settings, "landed", "repair_orders", "D001", "2024-03") == (
        after[1].relative_to(network.settings.lake).as_posix()
    )
    assert not [p for p in network.settings.lake.rglob(".*") if p.is_file()]


def test_volume_hold_and_release(network: Network) -> None:
    rels = []
    for month in ("2023-10", "2023-11", "2023-12", "2024-01"):
        rels.append(
            network.write_ro(
                f"D001/repair_orders/{month}.csv", _rows(40, prefix=f"R{month[-2:]}", month=month)
            )
        )
    small = network.write_ro("D001/repair_orders/2024-02.csv", _rows(5, month="2024-02"))
    ingest_files(network.settings, [*rels, small])
    held = _last(network, small)
    assert held["status"] == "held"
    assert (
        held["rows_read"] == held["rows_loaded"] + held["rows_quarantined"] + held["rows_duplicate"]
    )
    assert pointer(network.settings, "landed", "repair_orders", "D001", "2024-02") is None
    ingest_files(network.settings, [small])  # unchanged content: stays held, no new entry
    assert _last(network, small)["status"] == "held"
    release_file(network.settings, small)
    assert _last(network, small)["status"] == "released"
    assert len(landed(network.settings, "repair_orders", "D001", "2024-02")) == 5
    with pytest.raises(ConfigError):
        release_file(network.settings, small)


def test_sparse_feed_never_held(network: Network) -> None:
    rels = [
        network.write_ro(
            f"D001/repair_orders/2023-{m:02d}.csv", _rows(10, prefix=f"R{m}", month=f"2023-{m:02d}")
        )
        for m in range(1, 8)
    ]
    rels.append(network.write_ro("D001/repair_orders/2023-08.csv", _rows(1, month="2023-08")))
    ingest_files(network.settings, rels)
    assert _last(network, rels[-1])["status"] == "loaded"  # median 10 < 20


def test_inbox_run_shards_reconcile_and_export(network: Network) -> None:
    network.write_ro("D001/repair_orders/2024-03.csv", _rows(30))
    network.write_ro("D001/repair_orders/2024-04.csv", _rows(30, month="2024-04"))
    network.write("D002/repair_orders/2024-03.csv", b"")
    network.write("D003/notes/readme.txt", "hello")
    network.write("D404/repair_orders/2024-03.csv", "x")
    shards = plan_shards(network.settings, dealers_per_shard=2)
    assert [s["dealer_codes"] for s in shards] == [["D001", "D002"], ["D003", "D404"]]
    import json

    json.dumps(shards)  # JSON-serialisable for the orchestrator
    totals = ingest_inbox(network.settings, progress=False)
    assert totals["files_loaded"] == 2 and totals["files_rejected"] == 3
    led = ledger(network.settings)
    assert (
        led["rows_read"] == led["rows_loaded"] + led["rows_quarantined"] + led["rows_duplicate"]
    ).all()
    exported = export_control_tables(network.settings)
    assert exported["file_ledger"] == len(led)
    control = pd.read_parquet(network.settings.control_export_dir / "file_ledger")
    assert set(control["status"]) == {"loaded", "rejected"}
    for table in ("gx_results", "feed_alerts"):
        assert list(network.settings.lake.glob(export_path(table)))
    landed = network.settings.landed_dir / "dealers" / "data.parquet"
    first = land_dealer_master(network.settings)
    assert first["dealers"] == 3
    dealers = pd.read_parquet(landed)
    assert list(dealers["dealer_code"]) == ["D001", "D002", "D003"]
    # an unchanged master is not rewritten and announces no change
    stamp = landed.stat().st_mtime_ns
    assert land_dealer_master(network.settings) == {"dealers": 3, "changed": False}
    assert landed.stat().st_mtime_ns == stamp
