"""feed_freshness: daily check that every dealer sent every feed on time; alerts when late."""

from __future__ import annotations

from typing import Any

from airflow.sdk import Param, dag, task

from orchestration.task_policy import dag_settings


@dag(
    dag_id="feed_freshness",
    schedule="0 8 * * *",
    params={
        "as_of": Param(
            None,
            type=["null", "string"],
            format="date",
            description="Check date (YYYY-MM-DD); default: the run's logical date.",
        )
    },
    doc_md=__doc__,
    **dag_settings("quality"),
)
def feed_freshness() -> None:
    @task
    def check_freshness(
        params: dict[str, Any] | None = None, logical_date: Any = None
    ) -> dict[str, Any]:
        from orchestration.freshness import run_freshness_check

        return run_freshness_check((params or {}).get("as_of"), logical_date)

    check_freshness()


feed_freshness()
