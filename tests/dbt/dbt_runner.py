"""Run the real dbt CLI of the pipeline environment against a given lake and warehouse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT_DIR = ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


@dataclass(frozen=True)
class DbtRun:
    returncode: int
    output: str
    run_results: dict[str, object]


def dbt_env(lake: Path, warehouse: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "AFTERSALES_LAKE": str(lake),
            "AFTERSALES_WAREHOUSE_BUILD_PATH": str(warehouse),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DBT_VERSION_CHECK": "False",
        }
    )
    return env


def run_dbt(command: list[str], lake: Path, warehouse: Path, work_dir: Path) -> DbtRun:
    """Run ``dbt <command>`` with target and log paths under ``work_dir``."""
    target = work_dir / "target"
    args = [
        str(DBT),
        *command,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(work_dir / "logs"),
    ]
    completed = subprocess.run(
        args,
        cwd=ROOT,
        env=dbt_env(lake, warehouse),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    results_file = target / "run_results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    return DbtRun(completed.returncode, completed.stdout + completed.stderr, results)
