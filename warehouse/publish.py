"""Build the warehouse into a new DuckDB file and publish it atomically over the served one.

dbt builds every layer (staging, intermediate, marts) into a build file; the served file
holds only what users read — the models of the `marts` folder, listed from dbt's manifest —
copied into a new file, so the served warehouse carries no staging or intermediate copies of
the data. Readers (Superset) open the served file per query. Publishing is `os.replace`, so
a reader sees either the old or the new file, never a half-written one; a reader that already
has the old file open keeps reading the old inode. A failed build never touches the served
file.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingestion.lake_state import fault_point
from warehouse.dbt_build import DEFAULT_PROJECT_DIR, DbtMode, run_dbt_build

log = logging.getLogger(__name__)

BUILD_PREFIX = "aftersales-"
CONTRACT_MARTS = (
    "dim_dealers",
    "fct_repair_orders",
    "kpi_dealer_monthly",
    "kpi_dealer_yearly",
    "rpt_regional_rankings",
    "rpt_dealer_scorecard",
    "rpt_feed_health",
)


class WarehouseBuildFailed(RuntimeError):
    """The build did not produce a publishable file; the served warehouse is unchanged."""


def build_dir_for(served: Path) -> Path:
    return served.parent / "build"


def default_dbt_mode() -> DbtMode:
    mode = os.environ.get("AFTERSALES_DBT_MODE", "subprocess")
    return "inprocess" if mode == "inprocess" else "subprocess"


@contextmanager
def writer_lock(build_dir: Path) -> Iterator[None]:
    """One writer at a time, also outside Airflow (the pool serialises Airflow tasks)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".writer.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def clean_build_dir(build_dir: Path, keep: Path | None = None) -> list[str]:
    """Remove leftover build files (crashed or failed builds); call under the writer lock."""
    removed = []
    for path in sorted(build_dir.glob(f"{BUILD_PREFIX}*.duckdb*")):
        if keep is not None and path.name.startswith(keep.name):
            continue
        path.unlink(missing_ok=True)
        removed.append(path.name)
    if removed:
        log.info("removed old build files: %s", ", ".join(removed))
    return removed


def _build_label(run_label: str | None) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    label = re.sub(r"[^A-Za-z0-9_.-]+", "_", run_label or "")[:60].strip("_.")
    return f"{stamp}-{label or uuid.uuid4().hex[:8]}"


def served_models(manifest: Path) -> list[str]:
    """The models users read: every model of the project's `marts` folder."""
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    return sorted(
        n["alias"] or n["name"]
        for n in nodes
        if n["resource_type"] == "model" and "marts" in n["fqn"][1:-1]
    )


def write_served_copy(build_path: Path, target: Path, models: list[str]) -> None:
    """Copy `models` from the build file into a new DuckDB file `target`. The copy runs in
    the build file's own connection (an in-process dbt run may still hold that file, and
    DuckDB attaches a file once per process)."""
    import duckdb

    target.unlink(missing_ok=True)
    with duckdb.connect(str(build_path)) as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"ATTACH '{target}' AS served")
        for model in models:
            con.execute(f'CREATE TABLE served.main."{model}" AS SELECT * FROM main."{model}"')
        con.execute("DETACH served")


def checkpoint_and_count(build_path: Path) -> dict[str, int]:
    """CHECKPOINT a finished warehouse file and return row counts of its tables (schema main)."""
    import duckdb

    with duckdb.connect(str(build_path)) as con:
        con.execute("CHECKPOINT")
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'main' and table_type = 'BASE TABLE' order by table_name"
            ).fetchall()
        ]
        counts = {
            table: int(con.execute(f'select count(*) from main."{table}"').fetchone()[0])  # type: ignore[index]
            for table in tables
        }
    return counts


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _discard(build_path: Path) -> None:
    for leftover in build_path.parent.glob(build_path.name + "*"):
        leftover.unlink(missing_ok=True)


def _settle_lake(settings: Any) -> None:
    """Complete a killed ingestion's landing and check the landed files before reading them."""
    from ingestion.lake_state import LakeDamaged
    from ingestion.pipeline import settle_lake

    try:
        settle_lake(settings)
    except LakeDamaged as exc:
        raise WarehouseBuildFailed(f"{exc} The served warehouse is left unchanged.") from exc


def build_and_publish(
    settings: Any,
    *,
    project_dir: Path | None = None,
    profiles_dir: Path | None = None,
    mode: DbtMode | None = None,
    run_label: str | None = None,
) -> dict[str, Any]:
    """dbt build into var/warehouse/build/aftersales-<run>.duckdb, then replace the served file.

    Raises WarehouseBuildFailed (served file untouched) when dbt fails or builds no tables.
    """
    served = settings.warehouse
    build_dir = build_dir_for(served)
    started = time.perf_counter()
    with writer_lock(build_dir):
        cleaned = clean_build_dir(build_dir)
        _settle_lake(settings)
        build_path = build_dir / f"{BUILD_PREFIX}{_build_label(run_label)}.duckdb"
        dbt = run_dbt_build(
            build_path,
            settings.lake,
            project_dir=project_dir or DEFAULT_PROJECT_DIR,
            profiles_dir=profiles_dir,
            mode=mode or default_dbt_mode(),
        )
        if not dbt.success or not build_path.exists():
            _discard(build_path)
            raise WarehouseBuildFailed(
                f"warehouse build failed, {served} left unchanged: {dbt.describe_failure()}"
            )
        t0 = time.perf_counter()
        served_copy = build_path.with_suffix(".served.duckdb")
        try:
            models = served_models(build_dir / "dbt_target" / "manifest.json")
            write_served_copy(build_path, served_copy, models)
            table_rows = checkpoint_and_count(served_copy)
        except Exception as exc:
            _discard(build_path)
            _discard(served_copy)
            raise WarehouseBuildFailed(
                f"cannot copy the marts of {build_path.name}: {exc}"
            ) from exc
        _discard(build_path)
        build_path = served_copy
        copy_seconds = time.perf_counter() - t0
        if not table_rows:
            _discard(build_path)
            raise WarehouseBuildFailed(f"dbt built no tables; {served} left unchanged")
        if Path(str(build_path) + ".wal").exists():
            _discard(build_path)
            raise WarehouseBuildFailed(f"{build_path.name} still has a WAL after CHECKPOINT")
        t0 = time.perf_counter()
        _fsync(build_path)
        fault_point("publish.before_replace")
        served.parent.mkdir(parents=True, exist_ok=True)
        os.replace(build_path, served)
        _fsync(served.parent)
        publish_seconds = time.perf_counter() - t0
    missing = [mart for mart in CONTRACT_MARTS if mart not in table_rows]
    if missing:
        log.warning("published warehouse lacks contract marts: %s", ", ".join(missing))
    summary = {
        "served": str(served),
        "build_file": build_path.name,
        "dbt_mode": dbt.mode,
        "dbt_seconds": dbt.seconds,
        "copy_seconds": round(copy_seconds, 3),
        "publish_seconds": round(publish_seconds, 4),
        "total_seconds": round(time.perf_counter() - started, 3),
        "dbt_status_counts": dbt.status_counts,
        "tables": len(table_rows),
        "table_rows": table_rows,
        "missing_contract_marts": missing,
        "cleaned_build_files": cleaned,
    }
    log.info(
        "published %s (%d tables) in %.1f s (dbt %.1f s)",
        served,
        len(table_rows),
        summary["total_seconds"],
        dbt.seconds,
    )
    return summary
