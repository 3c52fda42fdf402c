"""A feed (or the quarantine) without any landed file yet builds as an empty table
instead of failing the whole warehouse build on an empty glob."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from dbt_build_fixture import BuiltWarehouse
from dbt_runner import run_dbt


def test_missing_feed_and_quarantine_build_empty(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    shutil.copytree(built_warehouse.lake, lake)
    shutil.rmtree(lake / "landed" / "complaints")
    shutil.rmtree(lake / "quarantine")
    warehouse = tmp_path / "warehouse.duckdb"

    run = run_dbt(
        [
            "build",
            "--select",
            "stg_lake__complaints",
            "stg_lake__quarantine",
            "stg_lake__repair_orders",
        ],
        lake,
        warehouse,
        tmp_path,
    )

    assert run.returncode == 0, run.output[-4000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        counts = con.execute(
            "select (select count(*) from stg_lake__complaints), (select count(*) from stg_lake__quarantine), "
            "(select count(*) from stg_lake__repair_orders)"
        ).fetchone()
        received_type = con.execute(
            "select data_type from information_schema.columns "
            "where table_name = 'stg_lake__complaints' and column_name = 'received_at'"
        ).fetchone()
    assert counts is not None and counts[0] == 0 and counts[1] == 0 and counts[2] > 0
    assert received_type == ("TIMESTAMP",)
