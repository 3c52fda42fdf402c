"""warehouse_build: dbt build (incremental on the lake's partition pointers), atomic publish,
Superset cache refresh.

Runs when any landed feed Asset is updated by feed_ingestion, or by hand; trigger it with
`full_refresh` = true to rebuild every model from the lake. Writers are
serialised by the `warehouse_writer` pool (size 1) and a file lock in warehouse.publish.
"""

from __future__ import annotations

from functools import reduce
from typing import Any

from airflow.sdk import Param, dag, task

from orchestration.assets import LANDED_ASSETS, WAREHOUSE_ASSET, WAREHOUSE_WRITER_POOL
from orchestration.task_policy import dag_settings

ANY_LANDED_FEED = reduce(lambda left, right: left | right, LANDED_ASSETS.values())


@dag(
    dag_id="warehouse_build",
    schedule=ANY_LANDED_FEED,
    doc_md=__doc__,
    params={
        "full_refresh": Param(
            False, type="boolean", description="Rebuild every model from the lake."
        ),
    },
    **dag_settings("warehouse"),
)
def warehouse_build() -> None:
    @task(pool=WAREHOUSE_WRITER_POOL, outlets=[WAREHOUSE_ASSET])
    def build_and_publish(
        run_id: str | None = None, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowFailException

        from orchestration.task_support import load_settings
        from warehouse.publish import WarehouseBuildFailed
        from warehouse.publish import build_and_publish as publish

        try:
            summary = publish(
                load_settings(),
                run_label=run_id,
                full_refresh=bool((params or {}).get("full_refresh", False)),
            )
        except WarehouseBuildFailed as exc:
            raise AirflowFailException(str(exc)) from exc
        print(
            f"published {summary['tables']} tables in {summary['total_seconds']} s "
            f"({summary['build_kind']} build) "
            f"(dbt {summary['dbt_seconds']} s, {summary['dbt_mode']})"
        )
        return summary

    @task
    def refresh_superset_cache(published: dict[str, Any]) -> dict[str, Any]:
        from orchestration.superset_cache import refresh_superset_cache as refresh
        from orchestration.task_support import load_settings

        return refresh(load_settings())

    refresh_superset_cache(build_and_publish())


warehouse_build()
