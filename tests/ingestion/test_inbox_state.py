"""Files untouched since their content was read are not read again; any write is noticed."""

from __future__ import annotations

import os
import time

import pytest
from ing_lake import landed, ledger
from ing_network import Network, ro_row

import ingestion.inbox_state as inbox_state
from ingestion.pipeline import ingest_inbox, plan_shards
from ingestion.shard import ingest_files

RO = "D001/repair_orders/2024-03.csv"
FEB = "D001/repair_orders/2024-02.csv"


def _rows(n: int, month: str = "2024-03", prefix: str = "RO") -> list[dict[str, str]]:
    at = f"{month}-05"
    return [
        ro_row(
            i,
            ro_no=f"{prefix}{i:05d}",
            arrived_at=f"{at} 09:00",
            promised_at=f"{at} 17:00",
            qc_completed_at=f"{at} 15:00",
            delivered_at=f"{at} 16:30",
            settled_at=f"{at} 16:00",
        )
        for i in range(1, n + 1)
    ]


@pytest.fixture
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the test count as settled at once (the window is tested below)."""
    monkeypatch.setattr(inbox_state, "RACY_SECONDS", 0.0)


def test_a_file_written_just_before_the_read_is_not_trusted(network: Network) -> None:
    network.write_ro(RO, _rows(5))
    data, sig = inbox_state.read_file(network.settings.inbox / RO)
    assert data and sig is None
    path = network.settings.inbox / RO
    os.utime(path, ns=(0, 0))  # an old modification time, but the change time is now
    assert inbox_state.read_file(path)[1] is None


def test_signature_changes_with_any_write_even_at_the_same_size_and_mtime(
    network: Network, no_racy_window: None
) -> None:
    path = network.settings.inbox / RO
    network.write_ro(RO, _rows(5))
    before = path.stat()
    data, sig = inbox_state.read_file(path)
    assert sig == inbox_state.signature(before)
    time.sleep(0.01)
    path.write_bytes(data.replace(b"RO00001", b"RO00009"))  # same size, other content
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime put back
    assert path.stat().st_size == before.st_size
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert inbox_state.signature(path.stat()) != sig  # the change time moved


def test_untouched_file_is_not_read_again_and_adds_no_ledger_row(
    network: Network, no_racy_window: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    network.write_ro(RO, _rows(40))
    ingest_files(network.settings, [RO])
    rows_before = ledger(network.settings)
    assert rows_before["status"].tolist() == ["loaded"]

    def refuse(path: object) -> None:
        raise AssertionError(f"{path} was read again")

    monkeypatch.setattr("ingestion.shard.read_file", refuse)
    again = ingest_files(network.settings, [RO])
    assert again["unchanged"] == 1 and again["feeds_changed"] == []
    assert ledger(network.settings).equals(rows_before)
    monkeypatch.undo()

    # touched (same bytes): read and hashed again, skipped as same content
    os.utime(network.settings.inbox / RO)
    monkeypatch.setattr(inbox_state, "RACY_SECONDS", 0.0)
    touched = ingest_files(network.settings, [RO])
    assert touched["files_skipped"] == 1
    assert ledger(network.settings)["status"].tolist() == ["loaded", "skipped"]
    # the signature taken then is trusted on the next run: no further row
    assert ingest_files(network.settings, [RO])["unchanged"] == 1
    assert len(ledger(network.settings)) == 2


def test_a_corrected_resend_is_read_even_when_it_keeps_size_and_mtime(
    network: Network, no_racy_window: None
) -> None:
    path = network.settings.inbox / RO
    network.write_ro(RO, _rows(40))
    ingest_files(network.settings, [RO])
    before = path.stat()
    path.write_bytes(path.read_bytes().replace(b"RO00001", b"RX00001"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    ingest_files(network.settings, [RO])
    assert ledger(network.settings)["status"].tolist() == ["loaded", "loaded"]
    assert "RX00001" in set(landed(network.settings, "repair_orders", "D001", "2024-03")["ro_no"])


def test_planning_leaves_out_untouched_files_and_counts_them(
    network: Network, no_racy_window: None
) -> None:
    network.write_ro(FEB, _rows(30, month="2024-02"))
    first = ingest_inbox(network.settings, progress=False)
    assert first["files_loaded"] == 1 and first["unchanged"] == 0
    network.write_ro(RO, _rows(30))  # the new month
    assert [shard["files"] for shard in plan_shards(network.settings)] == [[RO]]
    second = ingest_inbox(network.settings, progress=False)
    assert second["files_loaded"] == 1 and second["unchanged"] == 1
    assert ledger(network.settings)["file_path"].tolist() == [FEB, RO]
    assert plan_shards(network.settings) == []
