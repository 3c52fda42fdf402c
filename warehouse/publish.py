"""Build the warehouse into the build DuckDB file and publish it atomically over the served one.

dbt builds every layer (staging, intermediate, marts) into a persistent build file
(var/warehouse/build/warehouse-build.duckdb); the feeds' staging models are incremental on
the lake's partition pointers (docs/architecture.md, "Incremental build"). After a successful
build the build file records the pointers it read and a fingerprint of the dbt project and
lake; the next build updates only what changed partitions touch. A build without that record
(first build, a build that failed, changed dbt code, another lake, `--full-refresh`) starts
from an empty build file. The served file
holds only what users read — the models of the `marts` folder, listed from dbt's manifest —
copied into a new file, so the served warehouse carries no staging or intermediate copies of
the data. Readers (Superset) open the served file per query. Publishing is `os.replace`, so
a reader sees either the old or the new file, never a half-written one; a reader that already
has the old file open keeps reading the old inode. A failed build never touches the served
file.
"""

from __future__ import annotations

import hashlib
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

from ingestion.lake_state import exclusive_lock, fault_point
from warehouse.dbt_build import DEFAULT_PROJECT_DIR, DbtMode, run_dbt_build

log = logging.getLogger(__name__)

BUILD_PREFIX = "aftersales-"
# the build file: a new one per full build (an in-process dbt run keeps a file it opened
# open, so a full build never reuses a name), the same one for the incremental builds after it
BUILD_DB_PREFIX = "warehouse-build-"
# written into the build file after a successful build (read by macros/incremental.sql)
BUILT_PARTITIONS_TABLE = "lake_partitions_built"
BUILD_STATE_TABLE = "warehouse_build_state"
POINTER_COLUMNS = ("area", "feed", "dealer_code", "period", "part")
# project files that are not code: dbt's own output and installed packages
FINGERPRINT_SKIP = ("target", "logs", "dbt_packages")
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


def current_build_db(build_dir: Path) -> Path | None:
    """The build file of the last full build and the incremental builds after it."""
    found = sorted(build_dir.glob(f"{BUILD_DB_PREFIX}*.duckdb"))
    return found[-1] if found else None


def remove_other_build_dbs(build_dir: Path, keep: Path) -> None:
    for path in build_dir.glob(f"{BUILD_DB_PREFIX}*.duckdb*"):
        if not path.name.startswith(keep.name):
            path.unlink(missing_ok=True)


def code_fingerprint(project_dir: Path, lake: Path) -> str:
    """What a build's incremental state is valid for: every file of the dbt project (models,
    macros, seeds, tests, configuration), the versions of dbt and DuckDB that built it and
    the lake it read."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(str(lake.resolve()).encode())
    for package in ("dbt-core", "dbt-duckdb", "duckdb"):
        try:
            digest.update(f"{package}=={version(package)}".encode())
        except PackageNotFoundError:
            digest.update(f"{package} absent".encode())
    for path in sorted(project_dir.rglob("*")):
        relative = path.relative_to(project_dir)
        if not path.is_file() or relative.parts[0] in FINGERPRINT_SKIP:
            continue
        digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def exported_pointers(lake: Path) -> Any:
    """The lake's partition pointers as an Arrow table (empty without an export)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ingestion.lake_read import POINTERS_EXPORT

    export = lake / POINTERS_EXPORT
    if export.exists():
        return pq.read_table(export, columns=list(POINTER_COLUMNS))
    return pa.table({column: pa.array([], pa.string()) for column in POINTER_COLUMNS})


def incremental_state(build_db: Path | None, fingerprint: str, pointers: Any) -> int | None:
    """Changed partitions since the build file's last successful build, or None when the
    build file cannot be trusted (missing, no state, other fingerprint): build in full."""
    import duckdb

    if build_db is None or not build_db.exists():
        return None
    try:
        with duckdb.connect(str(build_db)) as con:
            row = con.execute(f"select fingerprint from main.{BUILD_STATE_TABLE}").fetchone()
            if row is None or row[0] != fingerprint:
                return None
            con.register("current_pointers", pointers)
            columns = ", ".join(POINTER_COLUMNS)
            changed = con.execute(
                f"select count(*) from ((select {columns} from current_pointers "
                f"except select {columns} from main.{BUILT_PARTITIONS_TABLE}) union all "
                f"(select {columns} from main.{BUILT_PARTITIONS_TABLE} "
                f"except select {columns} from current_pointers))"
            ).fetchone()
            con.unregister("current_pointers")
    except duckdb.Error as exc:
        log.warning("build file %s not usable for an incremental build: %s", build_db, exc)
        return None
    return int(changed[0]) if changed else 0


def invalidate_state(build_db: Path) -> None:
    """Forget the last build's state before dbt changes the build file: a build that fails
    midway leaves a file the next build does not trust (it rebuilds in full)."""
    import duckdb

    with duckdb.connect(str(build_db)) as con:
        con.execute(f"drop table if exists main.{BUILD_STATE_TABLE}")
        con.execute("CHECKPOINT")


def record_state(build_db: Path, fingerprint: str, pointers: Any) -> None:
    """After a successful build: the pointers it read (taken before dbt started, so a
    partition moved during the build is recomputed next time) and, last, the state row."""
    import duckdb

    with duckdb.connect(str(build_db)) as con:
        con.register("read_pointers", pointers)
        con.execute(
            f"create or replace table main.{BUILT_PARTITIONS_TABLE} as "
            f"select {', '.join(POINTER_COLUMNS)} from read_pointers"
        )
        con.unregister("read_pointers")
        con.execute(
            f"create or replace table main.{BUILD_STATE_TABLE} as "
            "select ? as fingerprint, current_timestamp as built_at",
            [fingerprint],
        )
        con.execute("CHECKPOINT")


def default_dbt_mode() -> DbtMode:
    mode = os.environ.get("AFTERSALES_DBT_MODE", "subprocess")
    return "inprocess" if mode == "inprocess" else "subprocess"


@contextmanager
def writer_lock(build_dir: Path) -> Iterator[None]:
    """One writer at a time, also outside Airflow (the pool serialises Airflow tasks)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(build_dir / ".writer.lock"):
        yield


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
    full_refresh: bool = False,
) -> dict[str, Any]:
    """dbt build into var/warehouse/build/warehouse-build.duckdb (incremental when its last
    build succeeded on the same code and lake, in full otherwise or with `full_refresh`), then
    copy the marts into a new file and replace the served file with it.

    Raises WarehouseBuildFailed (served file untouched) when dbt fails or builds no tables.
    """
    served = settings.warehouse
    build_dir = build_dir_for(served)
    project_dir = project_dir or DEFAULT_PROJECT_DIR
    started = time.perf_counter()
    with writer_lock(build_dir):
        cleaned = clean_build_dir(build_dir)
        _settle_lake(settings)
        fingerprint = code_fingerprint(project_dir, settings.lake)
        pointers = exported_pointers(settings.lake)
        build_db = current_build_db(build_dir)
        changed = None if full_refresh else incremental_state(build_db, fingerprint, pointers)
        if changed is None or build_db is None:
            build_kind = "full"
            build_db = build_dir / f"{BUILD_DB_PREFIX}{_build_label(run_label)}.duckdb"
        else:
            build_kind = "incremental"
            invalidate_state(build_db)
        log.info(
            "warehouse build: %s%s",
            build_kind,
            "" if changed is None else f" ({changed} changed partition pointers)",
        )
        dbt = run_dbt_build(
            build_db,
            settings.lake,
            project_dir=project_dir,
            profiles_dir=profiles_dir,
            mode=mode or default_dbt_mode(),
            # unit tests check the models' code on fixed inputs: the last successful build
            # ran them on this very code (same fingerprint)
            exclude="test_type:unit" if build_kind == "incremental" else None,
        )
        if not dbt.success or not build_db.exists():
            if build_kind == "full":
                _discard(build_db)
            raise WarehouseBuildFailed(
                f"warehouse build failed, {served} left unchanged: {dbt.describe_failure()}"
            )
        fault_point("publish.before_record_state")
        record_state(build_db, fingerprint, pointers)
        remove_other_build_dbs(build_dir, keep=build_db)
        t0 = time.perf_counter()
        build_path = build_dir / f"{BUILD_PREFIX}{_build_label(run_label)}.served.duckdb"
        try:
            models = served_models(build_dir / "dbt_target" / "manifest.json")
            write_served_copy(build_db, build_path, models)
            table_rows = checkpoint_and_count(build_path)
        except Exception as exc:
            _discard(build_path)
            raise WarehouseBuildFailed(f"cannot copy the marts of {build_db.name}: {exc}") from exc
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
        "build_kind": build_kind,
        "changed_partitions": changed,
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
