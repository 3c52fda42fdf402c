"""The Superset benchmark (bench/bench_superset.py) measured on the session's server."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import duckdb
from bench_superset import (
    DASHBOARDS,
    generated_sql,
    measure,
    stored_query_context,
)
from superset_harness import SupersetServer

RUNS = 3


def test_the_benchmark_times_every_chart_for_each_user_bypassed_and_cached(
    superset_server: SupersetServer,
    admin,
    dealers,  # type: ignore[no-untyped-def]
) -> None:
    dealer = dealers[0][0]
    users = {"oem": superset_server.api("oem"), dealer: superset_server.api(dealer)}
    charts = [
        c for s in DASHBOARDS for c in admin.get(f"/api/v1/dashboard/{s}/charts").json()["result"]
    ]
    assert charts
    latencies = measure(admin, users, superset_server.warehouse, RUNS)
    assert len(latencies.direct) == len(charts) * RUNS
    assert len(latencies.charts) == len(charts) * len(users)
    for by_user in (latencies.bypassed, latencies.cached):
        assert set(by_user) == set(users)
        for seconds in by_user.values():
            assert len(seconds) == len(charts) * RUNS and min(seconds) > 0


def test_the_direct_baseline_runs_the_query_superset_runs(
    superset_server: SupersetServer,
    admin,  # type: ignore[no-untyped-def]
) -> None:
    oem = superset_server.api("oem")
    chart = admin.get(f"/api/v1/dashboard/{DASHBOARDS[0]}/charts").json()["result"][0]
    qc = stored_query_context(admin, chart["id"])
    through_superset = oem.post("/api/v1/chart/data", {**qc, "force": True})
    through_superset.raise_for_status()
    rows = through_superset.json()["result"][0]["rowcount"]
    with duckdb.connect(str(superset_server.warehouse), read_only=True) as con:
        direct = con.execute(generated_sql(oem, qc)).fetchall()
    assert rows > 0
    assert len(direct) == rows
