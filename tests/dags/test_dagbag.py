"""The DAG files parse without errors, quickly, and have the expected shape."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingestion.contracts import FEEDS

EXPECTED_TASKS = {
    "feed_ingestion": {
        "land_dealer_master",
        "plan_shards",
        "ingest_shard",
        "export_control_tables",
        "announce_landed",
        "build_data_docs",
    },
    "warehouse_build": {"build_and_publish", "refresh_superset_cache"},
    "feed_freshness": {"check_freshness"},
}
HEAVY_MODULES = ("pandas", "duckdb", "dbt", "great_expectations", "pandera", "ingestion")


@pytest.fixture(scope="module")
def dagbag(dags_folder: Path):
    from airflow.dag_processing.dagbag import DagBag

    started = time.perf_counter()
    bag = DagBag(dag_folder=str(dags_folder))
    print(f"\nDagBag parse of {dags_folder}: {time.perf_counter() - started:.3f} s")
    return bag


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}


def test_expected_dags_and_tasks(dagbag) -> None:
    assert set(dagbag.dags) == set(EXPECTED_TASKS)
    for dag_id, tasks in EXPECTED_TASKS.items():
        assert set(dagbag.dags[dag_id].task_dict) == tasks, dag_id


def test_ingestion_maps_over_shards_not_files(dagbag) -> None:
    dag = dagbag.dags["feed_ingestion"]
    ingest = dag.task_dict["ingest_shard"]
    assert type(ingest).__name__ == "_MappedOperator" or hasattr(ingest, "expand_input")
    assert ingest.upstream_task_ids == {"plan_shards"}
    assert dag.task_dict["plan_shards"].upstream_task_ids == {"land_dealer_master"}
    export = dag.task_dict["export_control_tables"]
    assert export.upstream_task_ids == {"ingest_shard"}
    assert export.trigger_rule == "all_done"
    announce = dag.task_dict["announce_landed"]
    assert announce.upstream_task_ids == {
        "ingest_shard",
        "export_control_tables",
        "land_dealer_master",
    }
    # runs when no shard was mapped (nothing new), never after a failed shard or export
    assert announce.trigger_rule == "none_failed"
    assert dag.task_dict["build_data_docs"].upstream_task_ids == {"export_control_tables"}
    # the landed feeds are announced through one alias, feed by feed, only when they changed
    assert [outlet.name for outlet in announce.outlets] == ["lake-landed-feeds"]
    assert dag.max_active_runs == 1


def test_schedules(dagbag) -> None:
    from airflow.sdk import AssetAny

    assert dagbag.dags["feed_ingestion"].timetable.expression == "0 2 * * *"
    assert dagbag.dags["feed_freshness"].timetable.expression == "0 8 * * *"
    for dag in dagbag.dags.values():  # historical logical dates (a 2023 network) get tasks
        assert dag.start_date.year <= 2020 and not dag.catchup, dag.dag_id
    condition = dagbag.dags["warehouse_build"].timetable.asset_condition
    assert isinstance(condition, AssetAny)
    names = {asset.name for asset in condition.objects}
    assert names == {f"lake://landed/{feed}" for feed in FEEDS}


def test_warehouse_writer_is_pooled_and_publishes_an_asset(dagbag) -> None:
    task = dagbag.dags["warehouse_build"].task_dict["build_and_publish"]
    assert task.pool == "warehouse_writer"
    assert [outlet.name for outlet in task.outlets] == ["warehouse://aftersales"]
    refresh = dagbag.dags["warehouse_build"].task_dict["refresh_superset_cache"]
    assert refresh.upstream_task_ids == {"build_and_publish"}


def test_retry_policy_retries_io_errors_only(dagbag) -> None:
    from airflow.sdk import RetryAction

    for dag in dagbag.dags.values():
        for task in dag.tasks:
            assert task.retries == 3, task.task_id
            assert task.retry_exponential_backoff == 2.0
            assert task.on_failure_callback, task.task_id
            policy = task.retry_policy
            assert policy.evaluate(OSError("disk"), 1, 4).action == RetryAction.RETRY
            assert policy.evaluate(TimeoutError("slow"), 1, 4).action == RetryAction.RETRY
            assert policy.evaluate(ValueError("bad row"), 1, 4).action == RetryAction.FAIL


def test_params_default_to_settings(dagbag) -> None:
    params = dagbag.dags["feed_ingestion"].params
    assert params["inbox"] is None and params["dealers_per_shard"] is None
    assert dagbag.dags["feed_freshness"].params["as_of"] is None


def test_parse_imports_no_heavy_modules(dags_folder: Path) -> None:
    """Parsing in a fresh interpreter must not import pandas, dbt, GX, DuckDB or ingestion."""
    code = (
        "import json, sys, time\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        "t = time.perf_counter()\n"
        f"bag = DagBag(dag_folder={str(dags_folder)!r})\n"
        "elapsed = time.perf_counter() - t\n"
        f"heavy = [m for m in {HEAVY_MODULES!r} if m in sys.modules]\n"
        "print(json.dumps({'seconds': elapsed, 'heavy': heavy, 'dags': sorted(bag.dags),"
        " 'errors': list(bag.import_errors)}))\n"
    )
    out = (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    report = json.loads(out)
    print(f"\nfresh-interpreter DAG parse: {report['seconds']:.3f} s for {report['dags']}")
    assert report["errors"] == []
    assert report["heavy"] == []
    assert report["dags"] == sorted(EXPECTED_TASKS)
