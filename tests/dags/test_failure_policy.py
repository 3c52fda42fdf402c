"""The retry policy and failure callback inside a real Airflow run (`airflow dags test`).

A transient OSError is retried and then succeeds; a bad-data error fails at once (one try)
and records a task_failure alert in the lake's control DB.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
from dag_e2e_helpers import PROJECT_ROOT, PYTHON, pipeline_env

pytestmark = pytest.mark.e2e

DAG_FILE = """
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.sdk import dag, task

from orchestration.task_policy import DEFAULT_ARGS

MARK = Path({mark!r})


@dag(
    schedule=None,
    start_date=pendulum.datetime(2020, 1, 1),
    catchup=False,
    default_args={{**DEFAULT_ARGS, "retry_delay": timedelta(seconds=1), "retry_exponential_backoff": 0}},
)
def failure_policy():
    @task
    def flaky_io() -> str:
        if not MARK.exists():
            MARK.write_text("failed once")
            raise OSError("transient: disk busy")
        return "ok"

    @task
    def bad_data() -> None:
        raise ValueError("row 7: unknown ro_category")

    flaky_io()
    bad_data()


failure_policy()
"""


def test_io_errors_retry_bad_data_fails_once_and_alerts(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "failure_policy.py").write_text(DAG_FILE.format(mark=str(tmp_path / "mark")))
    env = pipeline_env(tmp_path / "inbox", tmp_path / "dealers.csv", tmp_path, tmp_path / "airflow")
    env["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags)
    summary_path = tmp_path / "summary.json"

    done = subprocess.run(
        [
            PYTHON,
            "-m",
            "orchestration.run_dags",
            "--date",
            "2024-01-02",
            "--dag",
            "failure_policy",
            "--summary-json",
            str(summary_path),
        ],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )

    assert done.returncode == 1, done.stderr[-3000:]
    [run] = json.loads(summary_path.read_text())["dags"]
    tasks = {task["task_id"]: task for task in run["tasks"]}
    assert run["state"] == "failed"
    assert (tasks["flaky_io"]["state"], tasks["flaky_io"]["try_number"]) == ("success", 2)
    assert (tasks["bad_data"]["state"], tasks["bad_data"]["try_number"]) == ("failed", 1)
    con = sqlite3.connect(tmp_path / "lake" / "control.sqlite")
    try:
        alerts = con.execute("select kind, message from feed_alerts").fetchall()
    finally:
        con.close()
    assert len(alerts) == 1
    kind, message = alerts[0]
    assert kind == "task_failure"
    assert "failure_policy.bad_data failed" in message and "row 7: unknown ro_category" in message
