"""Asset names shared by the DAGs (light: imported at DAG parse time)."""

from __future__ import annotations

from airflow.sdk import Asset

FEEDS: tuple[str, ...] = (
    "vehicle_sales",
    "repair_orders",
    "warranty_registrations",
    "warranty_claims",
    "survey_responses",
    "complaints",
)
DEALERS = "dealers"
LANDED_ASSETS: dict[str, Asset] = {
    name: Asset(f"lake://landed/{name}", group="lake") for name in (*FEEDS, DEALERS)
}
WAREHOUSE_ASSET = Asset("warehouse://aftersales", group="warehouse")
WAREHOUSE_WRITER_POOL = "warehouse_writer"
