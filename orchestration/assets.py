"""Asset names shared by the DAGs (light: imported at DAG parse time)."""

from __future__ import annotations

from pathlib import Path

from airflow.sdk import Asset, AssetAlias

# One asset per feed contract (ingestion/contracts/<feed>.yaml): the file names are the feed
# list, read without importing the ingestion package at parse time.
CONTRACTS_DIR = Path(__file__).resolve().parents[1] / "ingestion" / "contracts"
LANDED_ASSETS: dict[str, Asset] = {
    path.stem: Asset(f"lake://landed/{path.stem}", group="lake")
    for path in sorted(CONTRACTS_DIR.glob("*.yaml"))
}
# feed_ingestion announces, through this alias, only the feeds a run landed or replaced:
# a run that changed nothing emits no event and triggers no warehouse build.
LANDED_ALIAS = AssetAlias("lake-landed-feeds", group="lake")
WAREHOUSE_ASSET = Asset("warehouse://aftersales", group="warehouse")
WAREHOUSE_WRITER_POOL = "warehouse_writer"
