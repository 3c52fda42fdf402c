"""Read the KPI marts of a DuckDB warehouse and of the dbt-postgres build, normalised to compare."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal
from pathlib import Path
from typing import Any

# The KPI marts: every kpi_* and rpt_* table but the feed-health report, whose ages and
# alerts depend on when a run happened, not on the data.
KPI_PREFIXES = ("kpi_", "rpt_")
RUN_DEPENDENT = ("rpt_feed_health",)
# the warehouse's tables, on DuckDB and on the dbt-postgres build alike
MAIN_TABLES = "select table_name from information_schema.tables where table_schema = 'main'"


def is_kpi_mart(table: str) -> bool:
    return table.startswith(KPI_PREFIXES) and table not in RUN_DEPENDENT


def main_tables(con: Any, prefixes: tuple[str, ...] = ("",)) -> list[str]:
    """The tables of a DuckDB connection's main schema, sorted; with `prefixes`, only the
    tables whose name starts with one of them."""
    return sorted(
        row[0] for row in con.execute(MAIN_TABLES).fetchall() if row[0].startswith(prefixes)
    )


def normalise(value: Any) -> Any:
    """One representation per value across engines and builds: numbers as floats to 9 decimals
    (parallel float aggregates differ in the last bits), dates and times as ISO text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return round(float(value), 9) + 0.0
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(normalise(v) for v in row) for row in rows), key=repr)


def duckdb_marts(warehouse: Path) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    import duckdb

    marts = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in filter(is_kpi_mart, main_tables(con)):
            result = con.execute(f'select * from main."{table}"')
            columns = [d[0] for d in result.description]
            marts[table] = (columns, _rows(result.fetchall()))
    return marts


def postgres_marts(
    connect_kwargs: dict[str, Any], only: Collection[str] | None = None
) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """The KPI marts of the dbt-postgres build; `only` limits them to the tables a served
    DuckDB warehouse holds (it keeps the marts folder's models, the build keeps every node)."""
    import psycopg2

    marts = {}
    with psycopg2.connect(**connect_kwargs) as con, con.cursor() as cur:
        cur.execute(MAIN_TABLES)
        tables = [r[0] for r in cur.fetchall() if only is None or r[0] in only]
        for table in sorted(filter(is_kpi_mart, tables)):
            cur.execute(f'select * from main."{table}"')
            columns = [d[0] for d in cur.description]
            marts[table] = (columns, _rows(cur.fetchall()))
    return marts


def differences(left: dict[str, Any], right: dict[str, Any], limit: int = 5) -> list[str]:
    """Readable differences between two sets of marts (empty when equal)."""
    problems = []
    if sorted(left) != sorted(right):
        problems.append(f"tables differ: {sorted(set(left) ^ set(right))}")
    for table in sorted(set(left) & set(right)):
        (lcols, lrows), (rcols, rrows) = left[table], right[table]
        if lcols != rcols:
            problems.append(f"{table}: columns {lcols} != {rcols}")
            continue
        if lrows != rrows:
            only_left = [r for r in lrows if r not in set(rrows)][:limit]
            only_right = [r for r in rrows if r not in set(lrows)][:limit]
            problems.append(
                f"{table}: {len(lrows)} vs {len(rrows)} rows; only left {only_left}; "
                f"only right {only_right}"
            )
    return problems
