"""Dashboards keep answering while the warehouse is republished (os.replace of a new file)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from superset_harness import Api, SupersetServer

pytestmark = pytest.mark.e2e


def _publish_loop(served: Path, source: Path, stop: threading.Event, counter: list[int]) -> None:
    """What the warehouse build does: write a complete new file, then replace atomically."""
    while not stop.is_set():
        staging = served.with_name(f".publish-{counter[0]}.duckdb")
        shutil.copyfile(source, staging)
        os.replace(staging, served)
        counter[0] += 1
        time.sleep(0.05)


def test_queries_during_publish_return_data(
    superset_server: SupersetServer, admin: Api, dataset_ids: dict[str, int], tmp_path: Path
) -> None:
    served = superset_server.warehouse
    source = tmp_path / "next.duckdb"
    shutil.copyfile(served, source)
    ds_id = dataset_ids["rpt_regional_rankings"]
    expected = admin.query(ds_id, columns=["dealer_code"], metrics=["count"]).json()["result"][0][
        "data"
    ]
    assert expected

    stop, published = threading.Event(), [0]
    writer = threading.Thread(target=_publish_loop, args=(served, source, stop, published))
    writer.start()
    failures: list[str] = []
    answered = 0
    try:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            r = admin.query(ds_id, columns=["dealer_code"], metrics=["count"], force=True)
            if r.status_code != 200:
                failures.append(f"{r.status_code}: {r.text[:200]}")
                continue
            data = r.json()["result"][0]["data"]
            if sorted(data, key=str) != sorted(expected, key=str):
                failures.append(f"different rows: {data[:3]}")
            answered += 1
    finally:
        stop.set()
        writer.join()
    assert published[0] >= 5, "the publish loop did not run"
    assert answered >= 5
    assert not failures, failures[:5]
