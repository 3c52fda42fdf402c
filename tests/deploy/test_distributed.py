"""The distributed topology for real: Airflow on PostgreSQL with two Celery workers on Redis,
the dbt-postgres warehouse and Superset on PostgreSQL and Redis; its KPI marts equal the
embedded run's on the same network.

Needs PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379), as on this machine and in CI;
when they do not answer the test is skipped and says so. The run's databases have unique
names and are dropped at the end.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orchestration.distributed import Services
from warehouse.compare import differences, duckdb_marts, postgres_marts

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


@pytest.fixture(scope="module")
def services() -> Services:
    found = Services.from_env()
    reason = found.unavailable()
    if reason:
        pytest.skip(f"distributed-mode run SKIPPED: {reason}")
    return found


def _generate(out: Path) -> Path:
    subprocess.run(
        [
            str(Path(PYTHON).with_name("sample-network")),
            "generate",
            *("--dealers", "4", "--months", "6", "--seed", "7", "--start-month", "2023-01"),
            *("--out", str(out)),
        ],
        check=True,
        capture_output=True,
    )
    return out


def _clean_env() -> dict[str, str]:
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW", "AFTERSALES_", "SUPERSET_"))
    }


def _embedded_run(network: Path, work: Path, phone_key: str) -> subprocess.Popen[str]:
    """`python -m orchestration.run_dags` (airflow dags test, SQLite, DuckDB) in the background."""
    home = work / "airflow"
    env = {
        **_clean_env(),
        "AFTERSALES_INBOX": str(network / "inbox"),
        "AFTERSALES_DEALER_MASTER": str(network / "master" / "dealers.csv"),
        "AFTERSALES_LAKE": str(work / "lake"),
        "AFTERSALES_WAREHOUSE": str(work / "warehouse" / "aftersales.duckdb"),
        "AFTERSALES_PHONE_HMAC_KEY": phone_key,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
    }
    return subprocess.Popen(
        [PYTHON, "-m", "orchestration.run_dags", "--summary-json", str(work / "summary.json")],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="module")
def runs(services: Services, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("distributed")
    network = _generate(base / "network")
    phone_key = secrets.token_urlsafe(32)  # one key for both runs: same customer hashes
    embedded = _embedded_run(network, base / "embedded", phone_key)
    summary_file = base / "distributed.json"
    distributed = subprocess.run(
        [
            PYTHON,
            "-m",
            "orchestration.distributed",
            *("--network", str(network), "--work", str(base / "distributed")),
            *("--summary-json", str(summary_file), "--keep-databases"),
        ],
        env={**_clean_env(), "AFTERSALES_PHONE_HMAC_KEY": phone_key},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    embedded_output, _ = embedded.communicate()
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    yield {
        "network": network,
        "embedded_rc": embedded.returncode,
        "embedded_output": embedded_output,
        "embedded_warehouse": base / "embedded" / "warehouse" / "aftersales.duckdb",
        "distributed_rc": distributed.returncode,
        "distributed_output": distributed.stdout[-3000:] + distributed.stderr[-6000:],
        "summary": summary,
    }
    if summary.get("databases"):
        services.drop_databases(list(summary["databases"].values()))


def test_distributed_run_succeeds_on_celery_workers(runs: dict[str, Any]) -> None:
    assert runs["distributed_rc"] == 0, runs["distributed_output"]
    airflow = runs["summary"]["airflow"]
    kinds = {(run["dag_id"], run["run_type"], run["state"]) for run in airflow["runs"]}
    # the scheduler ran ingestion and freshness on their schedules, and the build on the
    # landed-feed asset events, not by hand
    assert kinds == {
        ("feed_ingestion", "scheduled", "success"),
        ("warehouse_build", "asset_triggered", "success"),
        ("feed_freshness", "scheduled", "success"),
    }
    # the ingestion shards ran on both workers
    assert airflow["shards"] >= 2
    assert airflow["shard_hosts"] == sorted(airflow["workers"]) == ["worker-1", "worker-2"]
    every_task = airflow["ingestion_tasks"] + airflow["build_tasks"]
    assert {task["state"] for task in every_task} == {"success"}
    assert {task["hostname"] for task in every_task} <= set(airflow["workers"])


def test_superset_serves_dashboards_with_row_level_security(runs: dict[str, Any]) -> None:
    assert runs["distributed_rc"] == 0, runs["distributed_output"]
    superset = runs["summary"]["superset"]
    assert len(superset["dashboards"]) >= 3
    dealers = superset["master_dealers"]
    assert sorted(superset["seen_by_oem"]) == dealers
    for dealer, seen in superset["seen_by_dealer"].items():
        assert list(seen) == [dealer], f"{dealer} sees {sorted(seen)}"
        assert seen[dealer] == superset["seen_by_oem"][dealer] > 0
    # the cache refresh warehouse_build runs after a publish works against it, on Redis
    refresh = superset["cache_refresh"]
    assert refresh["configured"] and refresh["datasets"] >= 6 and refresh["charts_warmed"] > 0
    assert refresh["errors"] == []
    assert superset["redis_cache_keys"] > 0


def test_kpis_equal_across_embedded_celery_and_postgres(
    runs: dict[str, Any], services: Services
) -> None:
    assert runs["embedded_rc"] == 0, runs["embedded_output"][-4000:]
    assert runs["distributed_rc"] == 0, runs["distributed_output"]
    summary = runs["summary"]
    embedded = duckdb_marts(runs["embedded_warehouse"])
    celery = duckdb_marts(Path(summary["warehouse"]))
    pg = summary["postgres_warehouse"]
    assert pg["success"] and pg["dbt_status_counts"].get("error", 0) == 0
    assert pg["dbt_status_counts"].get("fail", 0) == 0
    postgres = postgres_marts(
        {
            "host": services.pg_host,
            "port": services.pg_port,
            "user": services.pg_user,
            "dbname": summary["databases"]["warehouse"],
            **({"password": services.pg_password} if services.pg_password else {}),
        },
        only=embedded,
    )
    assert {"kpi_dealer_monthly", "kpi_dealer_yearly", "rpt_regional_rankings"} <= set(embedded)
    columns, rows = embedded["kpi_dealer_monthly"]
    values = [row[columns.index("value")] for row in rows]
    assert sum(value is not None for value in values) > 100, "too few KPI values to compare"
    assert differences(embedded, celery) == []
    assert differences(embedded, postgres) == []
