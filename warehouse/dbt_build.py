"""Run `dbt build` into a given DuckDB file, in-process (dbtRunner) or as a subprocess."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ingestion.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

DbtMode = Literal["inprocess", "subprocess"]
DEFAULT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})


@dataclass
class DbtBuildResult:
    success: bool
    seconds: float
    mode: DbtMode
    status_counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    error: str | None = None

    def describe_failure(self) -> str:
        parts = [self.error] if self.error else []
        parts += self.failures[:10]
        return "; ".join(parts) or "dbt build failed"


def default_memory_limit() -> str:
    """Half the machine's memory for DuckDB during a build (DuckDB's own default is 80 %,
    which leaves too little for Airflow or Superset beside it: on the large preset a
    build with that default was killed by the kernel's OOM killer)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return "4GB"
    return f"{max(1, total // 2 // 1024**3)}GB"


def dbt_env(build_path: Path, lake: Path) -> dict[str, str]:
    """The environment the dbt project reads: where to write, where the lake is, and how
    much memory DuckDB may take before it spills to a folder beside the build file."""
    return {
        "AFTERSALES_WAREHOUSE_BUILD_PATH": str(build_path),
        "AFTERSALES_LAKE": str(lake),
        "AFTERSALES_DUCKDB_MEMORY_LIMIT": os.environ.get(
            "AFTERSALES_DUCKDB_MEMORY_LIMIT", default_memory_limit()
        ),
        "AFTERSALES_DUCKDB_TEMP_DIR": str(build_path.parent / "duckdb_spill"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }


def run_dbt_build(
    build_path: Path,
    lake: Path,
    project_dir: Path = DEFAULT_PROJECT_DIR,
    profiles_dir: Path | None = None,
    mode: DbtMode = "subprocess",
    work_dir: Path | None = None,
    target: str | None = None,
    extra_env: dict[str, str] | None = None,
    select: str | None = None,
    exclude: str | None = None,
) -> DbtBuildResult:
    """Run `dbt build`; never raises for a failed build, the result says so.

    dbt's target and log folders go to `work_dir` (next to the build files), so a build
    never shares `dbt_project/target` with a developer's dbt runs; partial parsing still
    works from one build to the next. `target` picks a profiles.yml output other than the
    DuckDB default (e.g. `postgres`, configured by `extra_env`).
    """
    profiles_dir = profiles_dir or project_dir
    work_dir = work_dir or build_path.parent
    args = [
        "build",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir),
        "--target-path",
        str(work_dir / "dbt_target"),
        "--log-path",
        str(work_dir / "dbt_logs"),
    ]
    if target:
        args += ["--target", target]
    if select:
        args += ["--select", select]
    if exclude:
        args += ["--exclude", exclude]
    env = {**dbt_env(build_path, lake), **(extra_env or {})}
    started = time.perf_counter()
    if mode == "inprocess":
        result = _run_inprocess(args, env)
    else:
        result = _run_subprocess(args, env, work_dir / "dbt_target")
    result.seconds = round(time.perf_counter() - started, 3)
    log.info(
        "dbt build (%s) %s in %.1f s: %s",
        mode,
        "succeeded" if result.success else "FAILED",
        result.seconds,
        result.status_counts,
    )
    return result


@contextmanager
def patched_environ(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _run_inprocess(args: list[str], env: dict[str, str]) -> DbtBuildResult:
    from dbt.cli.main import dbtRunner

    with patched_environ(env):
        outcome = dbtRunner().invoke(args)
    counts: Counter[str] = Counter()
    failures: list[str] = []
    for node_result in getattr(outcome.result, "results", None) or []:
        status = str(getattr(node_result.status, "value", node_result.status))
        counts[status] += 1
        if status in FAILED_STATUSES:
            failures.append(f"{node_result.node.unique_id}: {node_result.message}")
    error = (
        None
        if outcome.exception is None
        else f"{type(outcome.exception).__name__}: {outcome.exception}"
    )
    return DbtBuildResult(
        success=bool(outcome.success),
        seconds=0.0,
        mode="inprocess",
        status_counts=dict(counts),
        failures=failures,
        error=error,
    )


def _dbt_command() -> list[str]:
    script = Path(sys.executable).with_name("dbt")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from dbt.cli.main import cli; cli()"]


def _run_subprocess(args: list[str], env: dict[str, str], target_dir: Path) -> DbtBuildResult:
    run_results = target_dir / "run_results.json"
    run_results.unlink(missing_ok=True)
    completed = subprocess.run(
        [*_dbt_command(), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    for line in completed.stdout.splitlines():
        log.info("dbt | %s", line)
    counts: Counter[str] = Counter()
    failures: list[str] = []
    if run_results.exists():
        for node_result in json.loads(run_results.read_text(encoding="utf-8")).get("results", []):
            status = str(node_result.get("status"))
            counts[status] += 1
            if status in FAILED_STATUSES:
                failures.append(f"{node_result.get('unique_id')}: {node_result.get('message')}")
    error = None
    if completed.returncode != 0:
        tail = (completed.stderr.strip() or completed.stdout.strip()).splitlines()[-5:]
        error = f"dbt exited with {completed.returncode}: " + " | ".join(tail)
    return DbtBuildResult(
        success=completed.returncode == 0,
        seconds=0.0,
        mode="subprocess",
        status_counts=dict(counts),
        failures=failures,
        error=error,
    )
