"""Compaction of the append-only lake: readers see the same rows, superseded rows go, one
part file per (area, feed) remains, and a kill at any point leaves either state."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest
from corpus import RO, ro_csv, ros, with_row
from dag_e2e_helpers import PROJECT_ROOT, PYTHON, lake_digests
from ing_network import Network
from typer.testing import CliRunner

from ingestion.cli import app
from ingestion.compaction import compact_lake
from ingestion.lake_state import verify_landed
from ingestion.pipeline import settle_lake
from ingestion.shard import ingest_files

FEB = "D001/repair_orders/2024-02.csv"


def _history(network: Network) -> None:
    """Three runs: February, March with a quarantined row, then a corrected March resend."""
    network.write(FEB, ro_csv(ros(20, "2024-02", prefix="FEB")))
    ingest_files(network.settings, [FEB])
    network.write(RO, ro_csv(with_row(ros(40), 7, vin="NOT-A-VIN")))
    ingest_files(network.settings, [RO])
    network.write(RO, ro_csv(with_row(ros(35, prefix="NEW"), 3, vin="NOT-A-VIN")))
    ingest_files(network.settings, [RO])


def _parts(lake: Path) -> list[str]:
    return sorted(
        p.relative_to(lake).as_posix()
        for area in ("landed", "quarantine")
        for p in (lake / area).glob("*/*.parquet")
    )


def _state(lake: Path) -> tuple[dict[str, str], dict[str, str]]:
    return lake_digests(lake), lake_digests(lake, "quarantine")


def _manifest(lake: Path) -> list[str]:
    with sqlite3.connect(lake / "control.sqlite") as conn:
        return sorted(r[0] for r in conn.execute("SELECT path FROM landed_files"))


def test_compaction_keeps_what_readers_see_and_drops_superseded_rows(network: Network) -> None:
    _history(network)
    lake = network.settings.lake
    before = _state(lake)
    assert len(_parts(lake)) == 5  # 3 landed parts, 2 quarantine parts
    assert before[0]["repair_orders/D001/2024-03"] and before[1]["repair_orders/D001/2024-03"]

    done = {(c.area, c.feed): c for c in compact_lake(network.settings)}
    landed = done[("landed", "repair_orders")]
    # 20 + 39 + 34 landed rows stored; the first March's 39 are superseded
    assert (landed.files_before, landed.files_after) == (3, 1)
    assert (landed.rows, landed.superseded_rows) == (54, 39)
    quarantined = done[("quarantine", "repair_orders")]
    assert (quarantined.files_before, quarantined.rows, quarantined.superseded_rows) == (2, 1, 1)

    assert _state(lake) == before  # readers see exactly the same rows
    assert len(_parts(lake)) == 2 and _manifest(lake) == _parts(lake)
    assert verify_landed(sqlite3.connect(lake / "control.sqlite"), lake) == []
    assert not [p for p in lake.rglob(".*") if p.is_file()]
    assert compact_lake(network.settings) == []  # nothing left to do

    # the lake keeps working after compaction: a resend supersedes the compacted rows
    network.write(RO, ro_csv(ros(10, prefix="THIRD")))
    ingest_files(network.settings, [RO])
    assert (
        lake_digests(lake)["repair_orders/D001/2024-03"] != before[0]["repair_orders/D001/2024-03"]
    )
    assert (
        lake_digests(lake)["repair_orders/D001/2024-02"] == before[0]["repair_orders/D001/2024-02"]
    )


def test_the_cli_compacts_and_says_what_it_did(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    _history(network)
    for key, value in (
        ("AFTERSALES_INBOX", network.inbox),
        ("AFTERSALES_DEALER_MASTER", network.settings.dealer_master),
        ("AFTERSALES_LAKE", network.settings.lake),
    ):
        monkeypatch.setenv(key, str(value))
    result = CliRunner().invoke(app, ["lake", "compact", "--feed", "repair_orders"])
    assert result.exit_code == 0, result.output
    assert "landed/repair_orders: 3 part file(s) -> 1, 54 current rows kept, 39 superseded" in (
        " ".join(result.output.split())
    )
    again = CliRunner().invoke(app, ["lake", "compact"])
    assert again.exit_code == 0 and "already compact" in again.output
    wrong = CliRunner().invoke(app, ["lake", "compact", "--feed", "orders"])
    assert wrong.exit_code == 2 and "unknown feed(s) orders" in wrong.output


@pytest.mark.parametrize("point", ["compact.staged", "compact.committed"])
def test_a_killed_compaction_leaves_either_state_and_the_next_run_finishes(
    point: str, network: Network
) -> None:
    _history(network)
    lake = network.settings.lake
    before = _state(lake)
    env = {
        **os.environ,
        "AFTERSALES_INBOX": str(network.inbox),
        "AFTERSALES_DEALER_MASTER": str(network.settings.dealer_master),
        "AFTERSALES_LAKE": str(lake),
        "AFTERSALES_FAULT_AT": point,
    }
    code = (
        "from ingestion.compaction import compact_lake\n"
        "from ingestion.settings import Settings\n"
        "compact_lake(Settings.from_env())\n"
    )
    killed = subprocess.run([PYTHON, "-c", code], env=env, cwd=PROJECT_ROOT, check=False)
    assert killed.returncode == -signal.SIGKILL, "the kill point was never reached"
    settle_lake(network.settings)  # what a reader does first: complete a committed change
    assert _state(lake) == before  # whichever side of the commit: the same rows
    compact_lake(network.settings)
    assert _state(lake) == before
    assert len(_parts(lake)) == 2 and _manifest(lake) == _parts(lake)
    assert not [p for p in lake.rglob(".*") if p.is_file()]
