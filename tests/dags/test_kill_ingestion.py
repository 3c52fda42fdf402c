"""SIGKILL the ingestion in the middle of a shard, run the shard again: nothing lost, no dupes.

This is what happens when an Airflow worker dies and the mapped task is retried. The
reference is an uninterrupted ingestion of the same inbox.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from dag_e2e_helpers import PROJECT_ROOT, PYTHON, lake_digests, latest_ledger, pipeline_env

pytestmark = pytest.mark.e2e

INGEST_ONE_SHARD = """
import sys
from ingestion.pipeline import land_dealer_master, plan_shards, ingest_shard
from ingestion.settings import Settings
settings = Settings.from_env()
land_dealer_master(settings)
shards = plan_shards(settings, dealers_per_shard=1000)
assert len(shards) == 1, shards
ingest_shard(shards[0], settings, run_id=sys.argv[1])
"""
COUNTED = ("status", "rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate")


def ingest(env: dict[str, str], run_id: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [PYTHON, "-c", INGEST_ONE_SHARD, run_id],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def first_feed_partition(lake: Path) -> Path | None:
    for path in (lake / "landed").glob("*/dealer_code=*/period=*/data.parquet"):
        return path
    return None


def test_sigkill_mid_shard_then_rerun(tiny_network: Path, tmp_path: Path) -> None:
    master = tiny_network / "master" / "dealers.csv"
    inbox = tiny_network / "inbox"
    reference_env = pipeline_env(inbox, master, tmp_path / "reference", None)
    killed_env = pipeline_env(inbox, master, tmp_path / "killed", None)
    lake = tmp_path / "killed" / "lake"

    victim = ingest(killed_env, "killed")
    deadline = time.monotonic() + 300
    while first_feed_partition(lake) is None and victim.poll() is None:
        assert time.monotonic() < deadline, "ingestion wrote nothing in 300 s"
        time.sleep(0.05)
    assert victim.poll() is None, "ingestion finished before it could be killed"
    os.kill(victim.pid, signal.SIGKILL)
    assert victim.wait() == -signal.SIGKILL
    partial = lake_digests(lake)

    reference = ingest(reference_env, "reference")
    rerun = ingest(killed_env, "rerun")
    assert rerun.wait() == 0, rerun.stderr.read().decode()[-3000:] if rerun.stderr else ""
    assert reference.wait() == 0, (
        reference.stderr.read().decode()[-3000:] if reference.stderr else ""
    )

    reference_lake = tmp_path / "reference" / "lake"
    expected = lake_digests(reference_lake)
    assert partial and len(partial) < len(expected), "the kill must land mid-shard"
    assert lake_digests(lake) == expected
    assert lake_digests(lake, "quarantine") == lake_digests(reference_lake, "quarantine")
    want, got = latest_ledger(reference_lake), latest_ledger(lake)
    assert set(got) == set(want)
    for path, entry in want.items():
        assert {k: got[path][k] for k in COUNTED} == {k: entry[k] for k in COUNTED}, path
