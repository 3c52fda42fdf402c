"""The session's dbt build on the tiny hand-made lake (shared by the tests in this folder)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
from dbt_runner import DbtRun, run_dbt
from make_lake import write_tiny_lake


@dataclass(frozen=True)
class BuiltWarehouse:
    lake: Path
    warehouse: Path
    work_dir: Path
    build: DbtRun

    def query(self, sql: str) -> list[tuple[object, ...]]:
        """The rows of a query on the built warehouse (opened read-only)."""
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()


def build_tiny_warehouse(base: Path) -> BuiltWarehouse:
    """Write the tiny lake under ``base`` and run a real `dbt build` into a new DuckDB file."""
    lake = base / "lake"
    write_tiny_lake(lake)
    warehouse = base / "warehouse" / "aftersales.duckdb"
    warehouse.parent.mkdir(parents=True)
    build = run_dbt(["build"], lake, warehouse, base)
    return BuiltWarehouse(lake=lake, warehouse=warehouse, work_dir=base, build=build)
