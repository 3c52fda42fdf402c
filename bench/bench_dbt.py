"""Benchmark the dbt warehouse build on a landed lake.

Measures, in one run on the same machine:
  1. dbt start-up: `dbt --version` and `dbt parse` (no SQL),
  2. a full `dbt build` on the lake without its last month,
  3. the rebuild after that month arrives (all models are tables: a full rebuild),
  4. the publish copy: the marts copied from the build file into the served file, and the
     sizes of the build file and the served file against the landed lake's,
and reports the share of wall time spent in SQL (sum of node execution times from
run_results.json) versus dbt's own start-up and orchestration, plus ratios against the
start-up baseline. Results go to the console and to a JSON file.

    .venv/pipeline/bin/python bench/bench_dbt.py --lake var/lake
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
import typer
from rich.console import Console
from rich.table import Table

from ingestion.lake_read import POINTERS_EXPORT
from warehouse.publish import served_models, write_served_copy

ROOT = Path(__file__).resolve().parents[1]
PROJECT_DIR = ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"

console = Console(width=140)


@dataclass(frozen=True)
class Timing:
    step: str
    wall_seconds: float
    execution_seconds: float | None = None
    sql_busy_seconds: float | None = None
    nodes: int | None = None

    @property
    def startup_seconds(self) -> float | None:
        """Wall time outside dbt's execution phase: interpreter, adapter, parse, manifest."""
        return (
            None if self.execution_seconds is None else self.wall_seconds - self.execution_seconds
        )


def _busy_seconds(results: list[dict[str, Any]]) -> float:
    """Length of the union of the nodes' execute intervals (SQL running on any thread)."""
    intervals = []
    for result in results:
        for step in result.get("timing", []):
            if (
                step.get("name") == "execute"
                and step.get("started_at")
                and step.get("completed_at")
            ):
                start = datetime.fromisoformat(step["started_at"].replace("Z", "+00:00"))
                end = datetime.fromisoformat(step["completed_at"].replace("Z", "+00:00"))
                intervals.append((start, end))
    busy = 0.0
    current_start = current_end = None
    for start, end in sorted(intervals):
        if current_end is None or start > current_end:
            if current_end is not None and current_start is not None:
                busy += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None and current_start is not None:
        busy += (current_end - current_start).total_seconds()
    return busy


def run_timed(step: str, command: list[str], env: dict[str, str], target: Path) -> Timing:
    args = [str(DBT), *command]
    if command[0] != "--version":
        args += [
            "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
            "--target-path", str(target), "--log-path", str(target / "logs"),
        ]  # fmt: skip
    started = time.perf_counter()
    completed = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        console.print(completed.stdout[-3000:], completed.stderr[-2000:])
        raise typer.Exit(code=1)
    results_file = target / "run_results.json"
    if command[0] in {"build", "run"} and results_file.exists():
        run_results = json.loads(results_file.read_text())
        results = run_results["results"]
        return Timing(
            step, wall, float(run_results["elapsed_time"]), _busy_seconds(results), len(results)
        )
    return Timing(step, wall)


def last_period(lake: Path) -> str:
    pointers = lake / POINTERS_EXPORT
    periods = (
        set(pq.read_table(pointers, columns=["period"]).column(0).to_pylist())
        if (pointers.exists())
        else set()
    )
    if not periods:
        console.print(f"[red]no landed partitions in {pointers}[/red]")
        raise typer.Exit(code=1)
    return max(periods)


def link_lake(source: Path, target: Path, exclude_period: str | None) -> int:
    """Mirror ``source`` into ``target`` with symbolic links; with `exclude_period`, the
    partition pointers leave that period out, so readers see the lake as it was before the
    period arrived (the append-only lake's part files stay as they are)."""
    linked = 0
    for path in source.rglob("*.parquet"):
        relative = path.relative_to(source)
        destination = target / relative
        if relative.as_posix() == POINTERS_EXPORT:
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not destination.exists():
            destination.symlink_to(path.resolve())
            linked += 1
    pointers = pq.read_table(source / POINTERS_EXPORT)
    if exclude_period:
        pointers = pointers.filter(pc.field("period") != exclude_period)
    (target / POINTERS_EXPORT).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pointers, target / POINTERS_EXPORT)
    return linked


def main(
    lake: Annotated[
        Path, typer.Option(help="Lake root with landed/, quarantine/, control/.")
    ] = ROOT / "var" / "lake",
    threads: Annotated[int, typer.Option(help="dbt threads.")] = 2,
    output: Annotated[Path, typer.Option(help="JSON results file.")] = ROOT
    / "var"
    / "bench"
    / "bench_dbt.json",
    keep: Annotated[bool, typer.Option(help="Keep the work directory.")] = False,
) -> None:
    lake = lake.resolve()
    newest = last_period(lake)
    work = Path(
        tempfile.mkdtemp(prefix="bench_dbt_", dir=ROOT / "var" if (ROOT / "var").exists() else None)
    )
    partial_lake = work / "lake"
    env = dict(os.environ)
    env.update(
        {
            "AFTERSALES_LAKE": str(partial_lake),
            "AFTERSALES_WAREHOUSE_BUILD_PATH": str(work / "warehouse.duckdb"),
            "AFTERSALES_DBT_THREADS": str(threads),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DBT_VERSION_CHECK": "False",
        }
    )
    try:
        files = link_lake(lake, partial_lake, exclude_period=newest)
        console.print(f"lake {lake}: {files} files, {newest} not yet current; work dir {work}")
        timings = [
            run_timed("dbt --version (start-up)", ["--version"], env, work / "t_version"),
            run_timed("dbt parse (no SQL)", ["parse", "--no-partial-parse"], env, work / "t_parse"),
            run_timed("full build (without last month)", ["build"], env, work / "t_build"),
        ]
        link_lake(lake, partial_lake, exclude_period=None)
        console.print(f"partitions of {newest} made current")
        timings.append(
            run_timed(f"rebuild after {newest} arrives", ["build"], env, work / "t_build")
        )
        started = time.perf_counter()
        write_served_copy(
            work / "warehouse.duckdb",
            work / "served.duckdb",
            served_models(work / "t_build" / "manifest.json"),
        )
        timings.append(
            Timing("publish copy (marts into the served file)", time.perf_counter() - started)
        )
        sizes = {
            "lake_bytes": sum(p.stat().st_size for p in lake.rglob("*") if p.is_file()),
            "build_bytes": (work / "warehouse.duckdb").stat().st_size,
            "served_bytes": (work / "served.duckdb").stat().st_size,
        }
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)

    startup = timings[0].wall_seconds
    table = Table(
        "step",
        "wall s",
        "start-up+parse s",
        "execution s",
        "SQL busy s",
        "SQL share",
        "x --version",
    )
    for t in timings:

        def fmt(value: float | None) -> str:
            return "-" if value is None else f"{value:.1f}"

        share = "-" if t.sql_busy_seconds is None else f"{t.sql_busy_seconds / t.wall_seconds:.0%}"
        table.add_row(
            t.step, fmt(t.wall_seconds), fmt(t.startup_seconds), fmt(t.execution_seconds),
            fmt(t.sql_busy_seconds), share, f"{t.wall_seconds / startup:.1f}",
        )  # fmt: skip
    console.print(table)
    console.print(
        "start-up+parse = wall - dbt execution phase; SQL busy = union of node execute "
        "intervals (run_results.json). "
        f"parse / full build: {timings[1].wall_seconds / timings[2].wall_seconds:.0%}; "
        f"rebuild / full build: {timings[3].wall_seconds / timings[2].wall_seconds:.2f}; "
        f"publish copy / full build: {timings[4].wall_seconds / timings[2].wall_seconds:.2f}"
    )
    console.print(
        f"landed lake {sizes['lake_bytes'] / 1e6:.1f} MB; build file "
        f"{sizes['build_bytes'] / 1e6:.1f} MB ({sizes['build_bytes'] / sizes['lake_bytes']:.2f}x); "
        f"served warehouse {sizes['served_bytes'] / 1e6:.1f} MB "
        f"({sizes['served_bytes'] / sizes['lake_bytes']:.2f}x the lake)"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "lake": str(lake),
                "newest_period": newest,
                "threads": threads,
                "sizes": sizes,
                "timings": [asdict(t) | {"startup_seconds": t.startup_seconds} for t in timings],
            },
            indent=2,
        )
    )
    console.print(f"results written to {output}")


if __name__ == "__main__":
    typer.run(main)
