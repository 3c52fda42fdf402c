"""Run the pipeline DAGs for real, the way `airflow dags test` does, in one process.

    python -m orchestration.run_dags [--date 2024-12-31] [--dag feed_ingestion --dag ...]

Each `airflow` CLI start costs seconds, so the database migration (only when needed), the
writer pool and every `dags test` run go through Airflow's own CLI commands inside this one
process. The Airflow environment comes from scripts/airflow_env.sh (AIRFLOW_HOME=var/airflow,
SQLite metadata DB, DAGs from dags/).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ingestion.settings import PROJECT_ROOT

DEFAULT_DAGS = ("feed_ingestion", "warehouse_build", "feed_freshness")
POOL_DESCRIPTION = "serialises writers of the DuckDB warehouse"
console = Console(stderr=True)
app = typer.Typer(add_completion=False, help=__doc__)


def airflow_environment(root: Path = PROJECT_ROOT) -> dict[str, str]:
    """The variables scripts/airflow_env.sh exports (values already set in the environment win)."""
    script = root / "scripts" / "airflow_env.sh"
    output = subprocess.run(
        ["bash", "-c", f'source "{script}" >/dev/null && env -0'],
        capture_output=True,
        check=True,
        env=os.environ.copy(),
    ).stdout.decode()
    exported = dict(item.split("=", 1) for item in output.split("\0") if "=" in item)
    prefixes = ("AIRFLOW", "DBT_", "AFTERSALES_")
    return {key: value for key, value in exported.items() if key.startswith(prefixes)}


def _airflow_cli(*argv: str) -> None:
    """One `airflow ...` command, run in this process."""
    from airflow.cli.cli_parser import get_parser

    args = get_parser().parse_args(list(argv))
    args.func(args)


def migrations_pending() -> bool:
    from airflow.utils.db import check_migrations

    try:
        check_migrations(timeout=1)
    except Exception:
        return True
    return False


def ensure_metadata_db() -> str:
    started = time.perf_counter()
    if migrations_pending():
        _airflow_cli("db", "migrate")
        state = "migrated"
    else:
        state = "up to date"
    _ensure_pool()
    return (
        f"metadata DB {state}, pool warehouse_writer ready ({time.perf_counter() - started:.1f} s)"
    )


def _ensure_pool() -> None:
    from airflow.models.pool import Pool

    from orchestration.assets import WAREHOUSE_WRITER_POOL

    pool = Pool.get_pool(WAREHOUSE_WRITER_POOL)
    if pool is None or pool.slots != 1:
        _airflow_cli("pools", "set", WAREHOUSE_WRITER_POOL, "1", POOL_DESCRIPTION)


def task_durations(dag_id: str, run_id: str) -> list[dict[str, Any]]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.scalars(
            select(TaskInstance).where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)
        ).all()
        return [
            {
                "task_id": ti.task_id,
                "map_index": ti.map_index,
                "state": str(ti.state.value if hasattr(ti.state, "value") else ti.state),
                "try_number": ti.try_number,
                "duration": float(ti.duration or 0.0),
            }
            for ti in rows
        ]


def latest_run(dag_id: str) -> tuple[str, str] | None:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        run = session.scalars(
            select(DagRun).where(DagRun.dag_id == dag_id).order_by(DagRun.id.desc()).limit(1)
        ).first()
        if run is None:
            return None
        return run.run_id, str(run.state.value if hasattr(run.state, "value") else run.state)


def announced_assets(dag_id: str, run_id: str) -> list[str]:
    """Names of the assets a DAG run emitted events for (what would trigger its consumers)."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return sorted(
            session.scalars(
                select(AssetModel.name)
                .join(AssetEvent, AssetEvent.asset_id == AssetModel.id)
                .where(AssetEvent.source_dag_id == dag_id, AssetEvent.source_run_id == run_id)
            ).unique()
        )


def run_dag(dag_id: str, logical_date: str, conf: str | None = None) -> dict[str, Any]:
    """`airflow dags test <dag_id> <date>` in this process; returns state and task timings."""
    argv = ["dags", "test", dag_id, logical_date]
    if conf:
        argv += ["--conf", conf]
    started = time.perf_counter()
    failed_message = None
    try:
        _airflow_cli(*argv)
    except SystemExit as exc:  # `dags test` exits with "DagRun failed"
        failed_message = str(exc.code)
    wall = time.perf_counter() - started
    run = latest_run(dag_id)
    tasks = task_durations(dag_id, run[0]) if run else []
    state = run[1] if run else "missing"
    if failed_message and state == "success":
        state = "failed"
    if state == "success" and not tasks:
        state = "no_tasks"  # e.g. a logical date before the DAG's start_date
    return {
        "dag_id": dag_id,
        "run_id": run[0] if run else None,
        "state": state,
        "wall_seconds": round(wall, 3),
        "task_seconds": round(sum(task["duration"] for task in tasks), 3),
        "tasks": tasks,
    }


def default_logical_date() -> str:
    """Today, or the reference date of a generated sample network the inbox belongs to.

    The generator writes exports "as of" a fixed date (truth/summary.json); checking its
    freshness against the real today would call every later month late.
    """
    try:
        from orchestration.task_support import load_settings

        summary = load_settings().inbox.parent / "truth" / "summary.json"
        as_of = json.loads(summary.read_text(encoding="utf-8")).get("as_of")
        if as_of:
            console.print(f"logical date {as_of}: the sample network's reference date")
            return str(date.fromisoformat(str(as_of)))
    except (OSError, ValueError, ImportError):
        pass
    return date.today().isoformat()


def _print_result(result: dict[str, Any]) -> None:
    table = Table(title=f"{result['dag_id']}: {result['state']} in {result['wall_seconds']:.1f} s")
    for column in ("task", "map", "state", "tries", "seconds"):
        table.add_column(column)
    for task in sorted(result["tasks"], key=lambda t: (t["task_id"], t["map_index"])):
        table.add_row(
            task["task_id"],
            "" if task["map_index"] < 0 else str(task["map_index"]),
            task["state"],
            str(task["try_number"]),
            f"{task['duration']:.2f}",
        )
    console.print(table)


def run_pipeline(
    dag_ids: tuple[str, ...] | list[str] = DEFAULT_DAGS,
    logical_date: str | None = None,
    conf: dict[str, str] | None = None,
    verbose: bool = False,
) -> dict[str, Any]:
    """Migrate if needed, then run the DAGs in order.

    warehouse_build runs, as its asset schedule would have it, only after a feed_ingestion run
    that succeeded and announced at least one landed feed; otherwise it is reported as
    `not_triggered` (nothing landed or replaced: the published warehouse is current)."""
    started = time.perf_counter()
    os.environ.update(airflow_environment())
    if not verbose:
        os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
        # two notices of libraries about themselves, not about the pipeline: `dags test`
        # renders no graph (graphviz is not needed), and the in-process execution API
        # uses Starlette's test client
        warnings.filterwarnings("ignore", message="Could not import graphviz")
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    os.chdir(PROJECT_ROOT)
    day = logical_date or default_logical_date()
    console.print(f"[bold]Airflow home[/] {os.environ['AIRFLOW_HOME']}  [bold]date[/] {day}")
    console.print(ensure_metadata_db())
    results: list[dict[str, Any]] = []
    ingestion_ok = True
    landed: list[str] | None = None  # None: feed_ingestion not run here (build on request)
    for dag_id in dag_ids:
        if dag_id == "warehouse_build" and not ingestion_ok:
            console.print("[yellow]warehouse_build skipped: feed_ingestion did not succeed[/]")
            continue
        if dag_id == "warehouse_build" and landed == []:
            console.print("warehouse_build not triggered: no landed feed changed")
            results.append({"dag_id": dag_id, "state": "not_triggered", "tasks": []})
            continue
        console.print(f"[bold cyan]▶ {dag_id}[/] …")
        result = run_dag(
            dag_id, day, json.dumps((conf or {}).get(dag_id)) if conf and conf.get(dag_id) else None
        )
        _print_result(result)
        results.append(result)
        if dag_id == "feed_ingestion":
            ingestion_ok = result["state"] == "success"
            landed = announced_assets(dag_id, result["run_id"]) if result["run_id"] else []
            result["announced"] = landed
    return {
        "date": day,
        "wall_seconds": round(time.perf_counter() - started, 3),
        "ok": all(r["state"] in ("success", "not_triggered") for r in results) and ingestion_ok,
        "dags": results,
    }


def command_line(
    logical_date: str, summary_json: Path, dag_ids: Sequence[str] = (), python: str = sys.executable
) -> list[str]:
    """The argv that runs this module in a new process: `dag_ids` (default all three) for
    `logical_date`, the run summary written to `summary_json`."""
    argv = [python, "-m", "orchestration.run_dags", "--date", logical_date]
    argv += ["--summary-json", str(summary_json)]
    for dag_id in dag_ids:
        argv += ["--dag", dag_id]
    return argv


@app.command()
def main(
    logical_date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Logical date YYYY-MM-DD (default: a sample network's as-of date, else today).",
        ),
    ] = None,
    dag: Annotated[
        list[str] | None, typer.Option("--dag", help="DAG to run (repeatable); default all three.")
    ] = None,
    summary_json: Annotated[
        Path | None, typer.Option(help="Write the run summary (timings) here.")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show Airflow's INFO logs.")
    ] = False,
    init_only: Annotated[
        bool,
        typer.Option(
            "--init-only",
            help="Only migrate the metadata DB (if needed) and set the writer pool "
            "(a deployment's init step); run no DAG.",
        ),
    ] = False,
) -> None:
    """Run feed_ingestion, warehouse_build and feed_freshness with `airflow dags test`."""
    if init_only:
        os.environ.update(airflow_environment())
        console.print(ensure_metadata_db())
        return
    summary = run_pipeline(tuple(dag or DEFAULT_DAGS), logical_date, verbose=verbose)
    if summary_json:
        summary_json.parent.mkdir(parents=True, exist_ok=True)
        summary_json.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    status = "[green]all DAG runs succeeded[/]" if summary["ok"] else "[red]a DAG run failed[/]"
    console.print(f"{status} in {summary['wall_seconds']:.1f} s")
    if not summary["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    app()
