"""Helpers for the end-to-end tests: a generated network, pipeline runs, lake digests."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from ingestion.contracts import DEALER_FEEDS
from ingestion.lake_read import current_rows_sql, read_current
from orchestration.run_dags import command_line
from warehouse.compare import main_tables

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
MART_PREFIXES = ("dim_", "fct_", "kpi_", "rpt_")
TIMESTAMP_LINEAGE = ("_loaded_at", "_quarantined_at")


def generate_network(out: Path, dealers: int = 4, months: int = 6, seed: int = 7) -> Path:
    """sample-network generate: 4 dealers (three dialects) x 6 months from 2023-01."""
    cli = Path(PYTHON).with_name("sample-network")
    subprocess.run(
        [
            str(cli),
            "generate",
            "--dealers",
            str(dealers),
            "--months",
            str(months),
            "--seed",
            str(seed),
            "--start-month",
            "2023-01",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out


def pipeline_env(
    inbox: Path, master: Path, work: Path, airflow_home: Path | None
) -> dict[str, str]:
    env = {
        **os.environ,
        "AFTERSALES_INBOX": str(inbox),
        "AFTERSALES_DEALER_MASTER": str(master),
        "AFTERSALES_LAKE": str(work / "lake"),
        "AFTERSALES_WAREHOUSE": str(work / "warehouse" / "aftersales.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    if airflow_home is not None:
        env.update(
            {
                "AIRFLOW_HOME": str(airflow_home),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home}/airflow.db",
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(airflow_home / "logs"),
                "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
            }
        )
    return env


def run_dags(
    env: dict[str, str], summary: Path, logical_date: str, *dag_ids: str
) -> dict[str, Any]:
    """`python -m orchestration.run_dags` (real `airflow dags test` runs); returns its summary,
    with what it printed under the key `output`."""
    argv = command_line(logical_date, summary, dag_ids, python=PYTHON)
    done = subprocess.run(argv, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    return {**json.loads(summary.read_text()), "output": done.stdout + done.stderr}


def file_digest(path: Path, drop: tuple[str, ...] = TIMESTAMP_LINEAGE) -> str:
    """Content digest of a Parquet file, ignoring load timestamps, independent of row order."""
    table = pq.ParquetFile(path).read()
    table = table.drop_columns([c for c in drop if c in table.column_names])
    return _rows_digest(table.to_pylist())


def lake_files(lake: Path, area: str) -> dict[str, Path]:
    """The data files of a lake area (a killed writer's hidden staged files are not data)."""
    root = lake / area
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*.parquet"))
        if path.is_file()
    }


def _rows_digest(rows: list[dict[str, Any]]) -> str:
    lines = sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def lake_digests(lake: Path, area: str = "landed") -> dict[str, str]:
    """What readers see: a digest of the current rows of each partition
    (`<feed>/<dealer>/<period>`, load timestamps ignored) and of the landed dealer master."""
    out: dict[str, str] = {}
    master = lake / area / "dealers" / "data.parquet"
    if area == "landed" and master.exists():
        out["dealers/data.parquet"] = file_digest(master)
    for feed in DEALER_FEEDS:
        table = read_current(lake, feed, area=area)
        table = table.drop_columns([c for c in TIMESTAMP_LINEAGE if c in table.column_names])
        by_partition: dict[str, list[dict[str, Any]]] = {}
        for row in table.to_pylist():
            key = f"{feed}/{row['dealer_code']}/{row['period']}"
            by_partition.setdefault(key, []).append(row)
        out.update({key: _rows_digest(rows) for key, rows in by_partition.items()})
    return out


def byte_hashes(lake: Path, area: str = "landed") -> dict[str, str]:
    return {
        rel: hashlib.sha256(path.read_bytes()).hexdigest()
        for rel, path in lake_files(lake, area).items()
    }


def mart_tables(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return main_tables(con, MART_PREFIXES)


def normalised(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Doubles to 9 decimals: DuckDB's parallel float aggregates differ in the last bits."""
    return tuple(round(value, 9) if isinstance(value, float) else value for value in row)


def mart_hashes(warehouse: Path) -> dict[str, str]:
    """Content hash per mart table (row order and float noise ignored)."""
    hashes = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in mart_tables(warehouse):
            rows = sorted(
                repr(normalised(row))
                for row in con.execute(f'select * from main."{table}"').fetchall()
            )
            hashes[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return hashes


def table_rows(warehouse: Path, table: str) -> set[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {normalised(row) for row in con.execute(f'select * from main."{table}"').fetchall()}


def table_columns(warehouse: Path, table: str) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [r[0] for r in con.execute(f'describe main."{table}"').fetchall()]


def latest_ledger(lake: Path) -> dict[str, dict[str, Any]]:
    """Latest ledger entry per file (by rowid)."""
    con = sqlite3.connect(lake / "control.sqlite")
    con.row_factory = sqlite3.Row
    try:
        rows = con.execute("select rowid as _id, * from file_ledger order by rowid").fetchall()
    finally:
        con.close()
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        latest[row["file_path"]] = dict(row)
    return latest


def read_manifest(network: Path) -> list[dict[str, str]]:
    with open(network / "truth" / "manifest.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def dealer_vendors(master: Path) -> dict[str, str]:
    with open(master, encoding="utf-8", newline="") as handle:
        return {row["dealer_code"]: row["dms_vendor"] for row in csv.DictReader(handle)}


def rows_by_source_file(lake: Path, area: str) -> dict[str, int]:
    """Current rows per source file, as the warehouse reads them."""
    feeds = (
        [None] if area == "quarantine" else [f for f in DEALER_FEEDS if (lake / area / f).is_dir()]
    )
    counts: dict[str, int] = {}
    with duckdb.connect() as con:
        for feed in feeds:
            relation = current_rows_sql(str(lake), area, feed)
            for source, n in con.execute(
                f"select _source_file, count(*) from {relation} group by 1"
            ).fetchall():
                counts[source] = counts.get(source, 0) + n
    return counts
