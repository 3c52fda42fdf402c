"""Retry and failure policy shared by the DAGs (imported at DAG parse time: keep it light).

Transient errors (OS/IO errors: disk, locks, network, including requests' errors, and SQLite
"database is locked") are retried with exponential backoff. Anything else is bad data or a
bug: retrying cannot help, so the task fails at once (ingestion has already quarantined or
held what it could) and the failure callback records an alert.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import ExceptionRetryPolicy, RetryAction, RetryRule

log = logging.getLogger(__name__)

TRANSIENT_ERRORS: list[type[BaseException] | str] = [OSError, sqlite3.OperationalError]

RETRY_POLICY = ExceptionRetryPolicy(
    rules=[
        RetryRule(
            exception=TRANSIENT_ERRORS,
            action=RetryAction.RETRY,
            reason="transient I/O error, retrying with backoff",
        )
    ],
    default=RetryAction.FAIL,
)


def _lake_for_alerts() -> Path:
    from orchestration.task_support import load_settings

    try:
        return load_settings().lake
    except Exception as exc:  # settings unusable: still record the alert somewhere sane
        log.warning(
            "settings unavailable for the alert (%s); using AFTERSALES_LAKE or var/lake", exc
        )
        from ingestion.settings import PROJECT_ROOT

        return PROJECT_ROOT / os.environ.get("AFTERSALES_LAKE", "var/lake")


def task_failure_alert(context: Any) -> None:
    """on_failure_callback: a `task_failure` row in feed_alerts, a log line, the webhook."""
    from orchestration.alerts import record_alert

    ti = context.get("ti") or context.get("task_instance")
    dag_id = getattr(ti, "dag_id", None) or "?"
    task_id = getattr(ti, "task_id", None) or "?"
    map_index = getattr(ti, "map_index", -1)
    run_id = getattr(ti, "run_id", None) or context.get("run_id")
    exception = context.get("exception")
    where = f"{dag_id}.{task_id}" + (f"[{map_index}]" if map_index not in (None, -1) else "")
    message = f"{where} failed in run {run_id}: {type(exception).__name__ if exception else 'error'}: {exception}"
    record_alert(_lake_for_alerts(), "task_failure", message[:2000])


DEFAULT_ARGS: dict[str, Any] = {
    "owner": "data-platform",
    "retries": 3,
    "retry_delay": timedelta(seconds=20),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=10),
    "retry_policy": RETRY_POLICY,
    "on_failure_callback": task_failure_alert,
}


def dag_settings(*tags: str) -> dict[str, Any]:
    """What every DAG of the project shares: a past start date in China time without
    catch-up, one run at a time, the retry policy above, and the tag "aftersales" before
    the DAG's own ``tags``. Use as ``@dag(dag_id=..., schedule=..., **dag_settings("x"))``."""
    import pendulum

    return {
        "start_date": pendulum.datetime(2020, 1, 1, tz="Asia/Shanghai"),
        "catchup": False,
        "max_active_runs": 1,
        "default_args": DEFAULT_ARGS,
        "tags": ["aftersales", *tags],
    }
