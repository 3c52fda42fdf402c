"""Benchmark the warehouse build (warehouse.publish.build_and_publish) on a landed lake.

Measures, in one run on the same machine, on a mirror of the lake (symbolic links; the
partition pointers are rewritten, the lake itself is not touched):
  1. dbt start-up: `dbt --version` and `dbt parse` (no SQL),
  2. a full build on the lake without its newest month,
  3. one new month for every dealer: the incremental build, then a full build of the same
     lake into a second warehouse,
  4. one dealer resends an older month (a new part file per feed, the pointers move): the
     incremental build, then a full build,
  5. the sizes of the build file and the served warehouse against the landed lake's,
and reports incremental / full ratios, where the time of each build goes (dbt start-up,
SQL by layer, data tests, unit tests; from run_results.json) and the share of wall time
spent in SQL. Results go to the console and to a JSON file.

The lake needs its control exports and the dealer master landed (as `aftersales ingest`
leaves it; after bench_ingestion.py call ingestion.pipeline.land_dealer_master and
export_control_tables on its lake).

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

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import typer
from rich.console import Console
from rich.table import Table

from ingestion.lake_read import POINTERS_EXPORT
from ingestion.settings import Settings
from warehouse.publish import build_and_publish, build_dir_for, current_build_db

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


LAYERS = (
    ("staging", "model.aftersales.stg_"),
    ("intermediate", "model.aftersales.int_"),
    ("facts and dimensions", ("model.aftersales.fct_", "model.aftersales.dim_")),
    ("KPI marts and reports", ("model.aftersales.kpi_", "model.aftersales.rpt_")),
    ("data tests", "test."),
    ("unit tests", "unit_test."),
    ("seeds", "seed."),
)


def node_seconds(result: dict[str, Any]) -> float:
    seconds = 0.0
    for step in result.get("timing", []):
        if step.get("name") == "execute" and step.get("started_at") and step.get("completed_at"):
            start = datetime.fromisoformat(step["started_at"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(step["completed_at"].replace("Z", "+00:00"))
            seconds += (end - start).total_seconds()
    return seconds


def time_by_layer(run_results: Path) -> dict[str, float]:
    """Node execution seconds per layer (summed over threads), plus the slowest models."""
    results = json.loads(run_results.read_text())["results"]
    layers = dict.fromkeys([name for name, _ in LAYERS], 0.0)
    for result in results:
        for name, prefix in LAYERS:
            if result["unique_id"].startswith(prefix):
                layers[name] += node_seconds(result)
                break
    layers["SQL busy (union over threads)"] = _busy_seconds(results)
    return layers


def slowest_models(run_results: Path, count: int = 8) -> list[tuple[str, float]]:
    results = json.loads(run_results.read_text())["results"]
    models = [
        (r["unique_id"].split(".")[-1], node_seconds(r))
        for r in results
        if r["unique_id"].startswith("model.")
    ]
    return sorted(models, key=lambda item: -item[1])[:count]


@dataclass(frozen=True)
class Build:
    step: str
    kind: str
    wall_seconds: float
    dbt_seconds: float
    copy_seconds: float
    changed_partitions: int | None
    layers: dict[str, float]
    slowest: list[tuple[str, float]]


def build(step: str, settings: Settings, full_refresh: bool = False) -> Build:
    started = time.perf_counter()
    summary = build_and_publish(settings, run_label="bench", full_refresh=full_refresh)
    wall = time.perf_counter() - started
    run_results = build_dir_for(settings.warehouse) / "dbt_target" / "run_results.json"
    console.print(
        f"{step}: {summary['build_kind']} in {wall:.1f} s (dbt {summary['dbt_seconds']:.1f} s)"
    )
    return Build(
        step,
        summary["build_kind"],
        wall,
        summary["dbt_seconds"],
        summary["copy_seconds"],
        summary["changed_partitions"],
        time_by_layer(run_results),
        slowest_models(run_results),
    )


def resend_month(lake: Path, dealer: str, period: str) -> int:
    """One dealer resends `period`: per landed feed a new part file holding that partition's
    rows (loaded now), and the pointers move to it. Returns the partitions moved."""
    pointers = pq.read_table(lake / POINTERS_EXPORT)
    rows = pointers.to_pylist()
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    moved = 0
    for pointer in rows:
        if (pointer["area"], pointer["dealer_code"], pointer["period"]) != (
            "landed",
            dealer,
            period,
        ):
            continue
        part = pq.read_table(lake / pointer["part"])
        resent = part.filter((pc.field("dealer_code") == dealer) & (pc.field("period") == period))
        if "_loaded_at" in resent.column_names:
            index = resent.column_names.index("_loaded_at")
            now = pa.array([datetime.now()] * resent.num_rows, resent.schema.field(index).type)
            resent = resent.set_column(index, resent.schema.field(index), now)
        new_part = f"landed/{pointer['feed']}/part-{stamp}-bench-resend.parquet"
        pq.write_table(resent, lake / new_part)
        pointer["part"] = new_part
        pointer["run_id"] = "bench-resend"
        moved += 1
    pq.write_table(pa.Table.from_pylist(rows, schema=pointers.schema), lake / POINTERS_EXPORT)
    return moved


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
    periods = sorted(
        set(pq.read_table(lake / POINTERS_EXPORT, columns=["period"]).column(0).to_pylist())
    )
    work = Path(
        tempfile.mkdtemp(prefix="bench_dbt_", dir=ROOT / "var" if (ROOT / "var").exists() else None)
    )
    partial_lake = work / "lake"
    env = dict(os.environ)
    env.update(
        {
            "AFTERSALES_LAKE": str(partial_lake),
            "AFTERSALES_WAREHOUSE_BUILD_PATH": str(work / "startup.duckdb"),
            "AFTERSALES_DBT_THREADS": str(threads),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DBT_VERSION_CHECK": "False",
        }
    )
    os.environ.update({k: env[k] for k in ("AFTERSALES_DBT_THREADS", "DBT_VERSION_CHECK")})
    incremental = Settings(lake=partial_lake, warehouse=work / "incremental" / "aftersales.duckdb")
    full = Settings(lake=partial_lake, warehouse=work / "full" / "aftersales.duckdb")
    try:
        files = link_lake(lake, partial_lake, exclude_period=newest)
        console.print(f"lake {lake}: {files} files, {newest} not yet current; work dir {work}")
        startup = [
            run_timed("dbt --version (start-up)", ["--version"], env, work / "t_version"),
            run_timed("dbt parse (no SQL)", ["parse", "--no-partial-parse"], env, work / "t_parse"),
        ]
        builds = [build("full build (without the newest month)", incremental, full_refresh=True)]
        link_lake(lake, partial_lake, exclude_period=None)
        builds.append(build(f"one new month ({newest}): incremental", incremental))
        builds.append(build(f"one new month ({newest}): full", full, full_refresh=True))
        dealer = sorted(
            set(
                pq.read_table(lake / POINTERS_EXPORT, columns=["dealer_code"]).column(0).to_pylist()
            )
        )[0]
        resent_period = periods[-2] if len(periods) > 1 else newest
        moved = resend_month(partial_lake, dealer, resent_period)
        console.print(f"{dealer} resent {resent_period}: {moved} partitions moved")
        builds.append(build(f"{dealer} resends {resent_period}: incremental", incremental))
        builds.append(build(f"{dealer} resends {resent_period}: full", full, full_refresh=True))
        build_db = current_build_db(build_dir_for(incremental.warehouse))
        sizes = {
            "lake_bytes": sum(p.stat().st_size for p in lake.rglob("*") if p.is_file()),
            "build_bytes": build_db.stat().st_size if build_db else 0,
            "served_bytes": incremental.warehouse.stat().st_size,
        }
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)

    table = Table("step", "wall s", "x --version")
    for t in startup:
        table.add_row(
            t.step, f"{t.wall_seconds:.1f}", f"{t.wall_seconds / startup[0].wall_seconds:.1f}"
        )
    console.print(table)
    layer_names = list(builds[0].layers)
    table = Table("build", "kind", "wall s", "dbt s", "copy s", "pointers", *layer_names)
    for b in builds:
        table.add_row(
            b.step, b.kind, f"{b.wall_seconds:.1f}", f"{b.dbt_seconds:.1f}", f"{b.copy_seconds:.1f}",
            "-" if b.changed_partitions is None else str(b.changed_partitions),
            *(f"{b.layers[name]:.1f}" for name in layer_names),
        )  # fmt: skip
    console.print(table)
    console.print(
        "layer columns: node execution seconds summed over threads (run_results.json); "
        "dbt s - SQL busy = dbt start-up, parsing and orchestration"
    )
    ratios = {
        "new_month_incremental_over_full": builds[1].wall_seconds / builds[2].wall_seconds,
        "resent_month_incremental_over_full": builds[3].wall_seconds / builds[4].wall_seconds,
        "served_over_lake": sizes["served_bytes"] / sizes["lake_bytes"],
        "build_file_over_lake": sizes["build_bytes"] / sizes["lake_bytes"],
        "parse_over_full_build": startup[1].wall_seconds / builds[0].wall_seconds,
    }
    for name, value in ratios.items():
        console.print(f"{name}: {value:.2f}")
    console.print(
        "slowest models, full build: " + ", ".join(f"{m} {s:.1f} s" for m, s in builds[2].slowest)
    )
    console.print(
        "slowest models, incremental (new month): "
        + ", ".join(f"{m} {s:.1f} s" for m, s in builds[1].slowest)
    )
    console.print(
        "slowest models, incremental (resent month): "
        + ", ".join(f"{m} {s:.1f} s" for m, s in builds[3].slowest)
    )
    console.print(
        f"landed lake {sizes['lake_bytes'] / 1e6:.1f} MB; build file {sizes['build_bytes'] / 1e6:.1f} MB; "
        f"served warehouse {sizes['served_bytes'] / 1e6:.1f} MB"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "lake": str(lake),
                "newest_period": newest,
                "threads": threads,
                "sizes": sizes,
                "ratios": ratios,
                "startup": [asdict(t) for t in startup],
                "builds": [asdict(b) for b in builds],
            },
            indent=2,
        )
    )
    console.print(f"results written to {output}")


if __name__ == "__main__":
    typer.run(main)
