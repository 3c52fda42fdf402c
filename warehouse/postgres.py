"""The warehouse on a second adapter: dbt-postgres against a PostgreSQL database.

    python -m warehouse.postgres --lake var/lake        # load the lake, then dbt build

PostgreSQL cannot read the lake's Parquet, so the build first copies every lake source into
tables of the schema `lake` (what an external table over object storage is on Trino or
Spark), then runs the same dbt project with `--target postgres`: the same models, the
adapter-specific SQL behind dispatched macros (dbt_project/macros/). The marts land in the
schema `main`, as in the DuckDB file.

Connection settings come from the environment (no credentials in the repo), the same
variables dbt_project/profiles.yml reads for its `postgres` target.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any, ClassVar

import typer
import yaml
from pydantic import BaseModel

from warehouse.dbt_build import DEFAULT_PROJECT_DIR, DbtBuildResult, run_dbt_build

LAKE_SCHEMA = "lake"
MART_SCHEMA = "main"
SOURCES_YML = DEFAULT_PROJECT_DIR / "models" / "staging" / "lake" / "_lake__sources.yml"
# DuckDB column types (as DESCRIBE names them) and their PostgreSQL equivalents
PG_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "HUGEINT": "numeric",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


class PostgresTarget(BaseModel):
    """Where the dbt-postgres build writes: the AFTERSALES_PG_* variables of profiles.yml."""

    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    database: str = "aftersales"

    ENV: ClassVar[dict[str, str]] = {
        "host": "AFTERSALES_PG_HOST",
        "port": "AFTERSALES_PG_PORT",
        "user": "AFTERSALES_PG_USER",
        "password": "AFTERSALES_PG_PASSWORD",
        "database": "AFTERSALES_PG_DATABASE",
    }

    @classmethod
    def from_env(cls, **overrides: Any) -> PostgresTarget:
        values: dict[str, Any] = {
            field: os.environ[var] for field, var in cls.ENV.items() if os.environ.get(var)
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)

    def env(self) -> dict[str, str]:
        """The variables profiles.yml reads for the `postgres` target."""
        return {var: str(getattr(self, field)) for field, var in self.ENV.items()}

    def connect_kwargs(self, database: str | None = None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "dbname": database or self.database,
        }
        if self.password:
            kwargs["password"] = self.password
        return kwargs


def lake_relations(lake: Path) -> dict[str, str]:
    """Each lake source and the DuckDB expression reading it (from the sources YAML)."""
    document = yaml.safe_load(SOURCES_YML.read_text(encoding="utf-8"))
    relations: dict[str, str] = {}
    for source in document["sources"]:
        if source["name"] != "lake":
            continue
        for table in source["tables"]:
            location = table["meta"]["external_location"]
            relations[table["name"]] = re.sub(r"\{\{.*?\}\}", str(lake), location)
    return relations


def _pg_type(duckdb_type: str) -> str:
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", duckdb_type)
    if decimal:
        return f"numeric({decimal.group(1)},{decimal.group(2)})"
    return PG_TYPES[duckdb_type]


def load_lake(lake: Path, target: PostgresTarget, schema: str = LAKE_SCHEMA) -> dict[str, int]:
    """Replace the schema `lake` with one table per lake source; returns rows per table.

    A source with no file (a feed nobody sent yet) gets no table: the staging models then read
    an empty relation, as they do on DuckDB.
    """
    import duckdb
    import psycopg2

    counts: dict[str, int] = {}
    with (
        duckdb.connect() as duck,
        psycopg2.connect(**target.connect_kwargs()) as pg,
        pg.cursor() as cursor,
        tempfile.TemporaryDirectory(prefix="lake-to-pg-") as scratch,
    ):
        cursor.execute(f'drop schema if exists "{schema}" cascade')
        cursor.execute(f'create schema "{schema}"')
        for name, relation in lake_relations(lake).items():
            try:
                columns = duck.execute(f"describe select * from {relation}").fetchall()
            except duckdb.IOException:
                continue  # no file matches the source's glob
            ddl = ", ".join(f'"{column[0]}" {_pg_type(str(column[1]))}' for column in columns)
            cursor.execute(f'create table "{schema}"."{name}" ({ddl})')
            csv_path = Path(scratch) / f"{name}.csv"
            duck.execute(
                f"copy (select * from {relation}) to '{csv_path}' (format csv, header false)"
            )
            with open(csv_path, encoding="utf-8") as handle:
                cursor.copy_expert(f'copy "{schema}"."{name}" from stdin with (format csv)', handle)
            counts[name] = cursor.rowcount
    return counts


def build(
    lake: Path, target: PostgresTarget, work_dir: Path, select: str | None = None
) -> dict[str, Any]:
    """Load the lake, then `dbt build --target postgres`; returns timings and dbt's result."""
    started = time.perf_counter()
    loaded = load_lake(lake, target)
    load_seconds = time.perf_counter() - started
    result: DbtBuildResult = run_dbt_build(
        work_dir / "unused.duckdb",
        lake,
        target="postgres",
        extra_env=target.env(),
        work_dir=work_dir,
        select=select,
    )
    return {
        "database": target.database,
        "lake_rows": loaded,
        "load_seconds": round(load_seconds, 3),
        "dbt_seconds": result.seconds,
        "dbt_status_counts": result.status_counts,
        "success": result.success,
        "failures": result.failures,
        "error": result.error,
    }


app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def main(
    lake: Annotated[Path, typer.Option(help="The lake to load (default: settings).")] = Path(""),
    database: Annotated[
        str | None, typer.Option(help="Database (default: AFTERSALES_PG_DATABASE).")
    ] = None,
    work_dir: Annotated[Path, typer.Option(help="dbt target and log folders.")] = Path(
        "var/warehouse/postgres"
    ),
) -> None:
    """Load the lake into PostgreSQL and build the dbt project there (dbt-postgres)."""
    from ingestion.settings import Settings

    lake_dir = lake if str(lake) not in ("", ".") else Settings.from_env().lake
    work_dir.mkdir(parents=True, exist_ok=True)
    summary = build(lake_dir.resolve(), PostgresTarget.from_env(database=database), work_dir)
    typer.echo(json.dumps(summary, indent=2))
    if not summary["success"]:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
