"""Orchestration overhead: Airflow wall time vs the work done inside the tasks.

On one generated network, in the same run:
  1. Airflow: `python -m orchestration.run_dags` (feed_ingestion, warehouse_build, feed_freshness
     through `airflow dags test`, fresh AIRFLOW_HOME, fresh lake) — process wall time, each
     DAG's wall time and the sum of its task durations from the metadata DB;
  2. baseline: the same work called directly (ingestion.pipeline.ingest_inbox and
     warehouse.build_and_publish) on another fresh lake, no Airflow.
Reports overhead = Airflow wall - task time, and the ratios Airflow/task and Airflow/baseline.
Also times one dbt invocation of a single model vs the full `dbt build` (the per-invocation
start-up cost that per-model orchestration would pay once per model).

    .venv/pipeline/bin/python bench/bench_orchestration.py --dealers 4 --years 1
    .venv/pipeline/bin/python bench/bench_orchestration.py --network var/sample_network
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from orchestration.run_dags import command_line

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
console = Console()
app = typer.Typer(add_completion=False)


def generate_network(out: Path, dealers: int, years: int) -> Path:
    cli = Path(PYTHON).with_name("sample-network")
    subprocess.run(
        [str(cli), "generate", "--dealers", str(dealers), "--years", str(years), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return out


def network_env(network: Path, work: Path, airflow_home: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "AFTERSALES_INBOX": str(network / "inbox"),
        "AFTERSALES_DEALER_MASTER": str(network / "master" / "dealers.csv"),
        "AFTERSALES_LAKE": str(work / "lake"),
        "AFTERSALES_WAREHOUSE": str(work / "warehouse" / "aftersales.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    if airflow_home is not None:
        env["AIRFLOW_HOME"] = str(airflow_home)
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{airflow_home}/airflow.db"
        env["AIRFLOW__LOGGING__BASE_LOG_FOLDER"] = str(airflow_home / "logs")
    return env


def run_airflow(network: Path, work: Path, logical_date: str) -> dict[str, Any]:
    airflow_home = work / "airflow"
    airflow_home.mkdir(parents=True, exist_ok=True)
    summary_path = work / "run_summary.json"
    started = time.perf_counter()
    subprocess.run(
        command_line(logical_date, summary_path, python=PYTHON),
        env=network_env(network, work, airflow_home),
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - started
    summary = json.loads(summary_path.read_text())
    summary["process_wall_seconds"] = round(wall, 3)
    return summary


# Imports are timed with the work: an Airflow task pays them too (tasks import inside).
BASELINE = """
import json, sys, time
t0 = time.perf_counter()
from ingestion.pipeline import ingest_inbox
from ingestion.quality.freshness import check_freshness
from ingestion.settings import Settings
from warehouse.publish import build_and_publish
from datetime import date
s = Settings.from_env()
ingest_inbox(s, progress=False); t1 = time.perf_counter()
build_and_publish(s); t2 = time.perf_counter()
check_freshness(s, date.fromisoformat(sys.argv[1])); t3 = time.perf_counter()
print(json.dumps({"ingest": t1 - t0, "build": t2 - t1, "freshness": t3 - t2}))
"""


def run_baseline(network: Path, work: Path, logical_date: str) -> dict[str, Any]:
    started = time.perf_counter()
    out = (
        subprocess.run(
            [PYTHON, "-c", BASELINE, logical_date],
            env=network_env(network, work),
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    result = json.loads(out)
    result["process_wall_seconds"] = round(time.perf_counter() - started, 3)
    return result


def time_dbt(work: Path, select: str | None) -> float:
    """Wall time of one `dbt build` (optionally one model) against the baseline's lake."""
    args = [
        str(Path(PYTHON).with_name("dbt")),
        "build",
        "--project-dir",
        "dbt_project",
        "--profiles-dir",
        "dbt_project",
    ]
    if select:
        args += ["--select", select]
    env = {
        **os.environ,
        "AFTERSALES_LAKE": str(work / "lake"),
        "AFTERSALES_WAREHOUSE_BUILD_PATH": str(work / "dbt_timing.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    started = time.perf_counter()
    subprocess.run(args, env=env, cwd=ROOT, check=False, capture_output=True)
    return time.perf_counter() - started


def count_models() -> int:
    return len(list((ROOT / "dbt_project" / "models").rglob("*.sql")))


@app.command()
def main(
    dealers: Annotated[int, typer.Option(help="Dealers in the generated network.")] = 4,
    years: Annotated[int, typer.Option(help="Years in the generated network.")] = 1,
    network: Annotated[
        Path | None, typer.Option(help="Use this generated network instead.")
    ] = None,
    logical_date: Annotated[str, typer.Option("--date")] = "2026-01-15",
    work: Annotated[Path, typer.Option(help="Scratch folder.")] = ROOT
    / "var"
    / "bench"
    / "orchestration",
    dbt_timing: Annotated[
        bool, typer.Option(help="Also time one-model vs full dbt builds (needs the baseline).")
    ] = True,
    baseline_run: Annotated[
        bool,
        typer.Option(
            "--baseline/--no-baseline",
            help="Also run the same work without Airflow (doubles the time on a large network).",
        ),
    ] = True,
) -> None:
    work = work.resolve()  # Airflow's SQLite URL and the task environment need absolute paths
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if network is None:
        console.print(f"generating {dealers} dealers x {years} years …")
        network = generate_network(work / "network", dealers, years)
    network = network.resolve()
    files = sum(1 for path in (network / "inbox").rglob("*") if path.is_file())

    console.print("Airflow run (dags test, fresh metadata DB) …")
    airflow = run_airflow(network, work / "airflow_run", logical_date)
    baseline: dict[str, Any] | None = None
    if baseline_run:
        console.print("baseline run (direct calls, no Airflow) …")
        baseline = run_baseline(network, work / "baseline_run", logical_date)

    table = Table(title=f"orchestration overhead — {files} inbox files")
    for column in ("part", "Airflow wall s", "task time s", "overhead s", "wall/task"):
        table.add_column(column, justify="right")
    total_wall = total_task = 0.0
    for dag in airflow["dags"]:
        wall, task = dag["wall_seconds"], dag["task_seconds"]
        total_wall += wall
        total_task += task
        table.add_row(
            dag["dag_id"],
            f"{wall:.1f}",
            f"{task:.1f}",
            f"{wall - task:.1f}",
            f"{wall / task:.2f}" if task else "-",
        )
    table.add_row(
        "all DAG runs",
        f"{total_wall:.1f}",
        f"{total_task:.1f}",
        f"{total_wall - total_task:.1f}",
        f"{total_wall / total_task:.2f}",
    )
    process = airflow["process_wall_seconds"]
    table.add_row(
        "whole process (start, migrate, pool, 3 runs)",
        f"{process:.1f}",
        f"{total_task:.1f}",
        f"{process - total_task:.1f}",
        f"{process / total_task:.2f}",
    )
    console.print(table)
    report: dict[str, Any] = {
        "inbox_files": files,
        "airflow": airflow,
        "baseline": baseline,
        "overhead_seconds": round(process - total_task, 3),
        "overhead_share": round((process - total_task) / process, 3),
    }
    console.print(
        f"orchestration overhead {process - total_task:.1f} s of {process:.1f} s "
        f"({(process - total_task) / process:.1%})"
    )
    if baseline is not None:
        base_work = baseline["ingest"] + baseline["build"] + baseline["freshness"]
        console.print(
            f"baseline without Airflow: ingest {baseline['ingest']:.1f} s, "
            f"build {baseline['build']:.1f} s, freshness {baseline['freshness']:.1f} s; "
            f"process {baseline['process_wall_seconds']:.1f} s\n"
            f"Airflow process / baseline process: "
            f"{process / baseline['process_wall_seconds']:.2f}; "
            f"Airflow task time / baseline work: {total_task / base_work:.2f}"
        )
        report["airflow_vs_baseline"] = round(process / baseline["process_wall_seconds"], 3)
    if dbt_timing and baseline is not None:
        full = time_dbt(work / "baseline_run", None)
        one = time_dbt(work / "baseline_run", "dim_dealers")
        models = count_models()
        report["dbt"] = {
            "full_build_s": round(full, 2),
            "one_model_s": round(one, 2),
            "models": models,
            "per_model_invocations_estimate_s": round(one * models, 1),
        }
        console.print(
            f"dbt: full build {full:.1f} s; one model {one:.1f} s; {models} models -> one dbt "
            f"process per model ≈ {one * models:.0f} s ({one * models / full:.1f}x the single build)"
        )
    (work / "report.json").write_text(json.dumps(report, indent=2))
    console.print(f"report: {work / 'report.json'}")


if __name__ == "__main__":
    app()
