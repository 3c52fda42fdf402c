"""Warehouse build, atomic publication and orchestration helpers.

Kept light to import: the heavy pieces (dbt, DuckDB, the ingestion pipeline) are imported
inside the functions that need them, so Airflow can parse the DAGs quickly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["build_and_publish", "refresh_superset_cache"]

if TYPE_CHECKING:
    from warehouse.publish import build_and_publish
    from warehouse.superset_cache import refresh_superset_cache


def __getattr__(name: str) -> Any:
    if name == "build_and_publish":
        from warehouse.publish import build_and_publish

        return build_and_publish
    if name == "refresh_superset_cache":
        from warehouse.superset_cache import refresh_superset_cache

        return refresh_superset_cache
    raise AttributeError(name)
