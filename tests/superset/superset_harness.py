"""Start a real Superset for the tests: bootstrap into a temporary home, serve, talk REST."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
SUPERSET_DIR = ROOT / "superset"
SUPERSET_PYTHON = ROOT / ".venv" / "superset" / "bin" / "python"
ADMIN_PASSWORD = "admin-dev-password"  # development default of bootstrap.py
GONE_DEALER = "ZZGONE"  # in the dealer master of the first bootstrap only
GONE_REGION = "zz_gone_region"
UUID_NAMESPACE = uuid.UUID("6f1b1c52-3d7e-4f44-9a43-2f4a0c1d7e10")  # as build_bundle.py


def stable_uuid(kind: str, name: str) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE, f"aftersales:{kind}:{name}"))


def aggregate_tables() -> set[str]:
    """Datasets declared `aggregate: true` in superset/assets (no dealer rows, no RLS)."""
    import yaml

    tables = set()
    for path in (SUPERSET_DIR / "assets" / "datasets").glob("*.yaml"):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        if spec.get("aggregate"):
            tables.add(spec["table_name"])
    return tables


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def superset_env(
    home: Path, warehouse: Path, port: int, assets: Path | None = None
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AFTERSALES_", "SUPERSET_")) and k != "VIRTUAL_ENV"
    }
    env.update(
        AFTERSALES_ENV="development",
        AFTERSALES_SUPERSET_HOME=str(home),
        AFTERSALES_WAREHOUSE=str(warehouse),
        AFTERSALES_SUPERSET_PORT=str(port),
        AFTERSALES_SUPERSET_THREADS="8",
    )
    if assets is not None:
        env["AFTERSALES_SUPERSET_ASSETS"] = str(assets)
    return env


def _timed_run(what: str, argv: list[str], env: dict[str, str], timeout: int) -> tuple[float, str]:
    """Run a command to completion; returns (seconds, its console output), raises when it fails."""
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed ({proc.returncode}):\n{output[-4000:]}")
    return time.perf_counter() - start, output


def run_bootstrap(env: dict[str, str], *args: str) -> tuple[float, str]:
    """Run bootstrap.py; returns (seconds, its console output)."""
    argv = [str(SUPERSET_PYTHON), str(SUPERSET_DIR / "bootstrap.py"), *args]
    return _timed_run("bootstrap", argv, env, timeout=600)


def chart_row(metadata_db: Path, chart_uuid: str) -> tuple[str, dict[str, Any]]:
    """(slice_name, params) of a chart straight from the metadata database."""
    con = sqlite3.connect(metadata_db)
    try:
        row = con.execute(
            "SELECT slice_name, params FROM slices WHERE uuid = ?", (uuid.UUID(chart_uuid).bytes,)
        ).fetchone()
    finally:
        con.close()
    assert row is not None, f"chart {chart_uuid} not in {metadata_db}"
    return row[0], json.loads(row[1])


def count_rows(metadata_db: Path, table: str) -> int:
    con = sqlite3.connect(metadata_db)
    try:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        con.close()


class Api:
    """A logged-in REST client (JWT bearer token)."""

    def __init__(self, base_url: str, username: str | None = None, password: str = ""):
        self.base_url = base_url
        self.session = requests.Session()
        self.username = username
        if username is not None:
            for _ in range(20):
                r = self.session.post(
                    f"{base_url}/api/v1/security/login",
                    json={
                        "username": username,
                        "password": password,
                        "provider": "db",
                        "refresh": False,
                    },
                    timeout=60,
                )
                if r.status_code != 429:  # Superset rate-limits logins (5 per second)
                    break
                time.sleep(0.3)
            r.raise_for_status()
            self.session.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def get(self, path: str, **params: Any) -> requests.Response:
        q = {"q": json.dumps(params)} if params else None
        return self.session.get(f"{self.base_url}{path}", params=q, timeout=120)

    def post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return self.session.post(f"{self.base_url}{path}", json=body, timeout=120)

    def chart_data(self, chart_id: int) -> requests.Response:
        return self.session.get(f"{self.base_url}/api/v1/chart/{chart_id}/data/", timeout=120)

    def query(
        self,
        dataset_id: int,
        columns: list[str],
        metrics: list[str] | None = None,
        filters: list[dict[str, Any]] | None = None,
        row_limit: int = 100000,
        force: bool = False,
    ) -> requests.Response:
        return self.post(
            "/api/v1/chart/data",
            {
                "datasource": {"id": dataset_id, "type": "table"},
                "force": force,
                "queries": [
                    {
                        "columns": columns,
                        "metrics": metrics,
                        "filters": filters or [],
                        "row_limit": row_limit,
                        "orderby": [],
                    }
                ],
                "result_format": "json",
                "result_type": "full",
            },
        )


@dataclass
class SupersetServer:
    base_url: str
    home: Path
    warehouse: Path
    env: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)
    before_reimport: tuple[str, dict[str, Any]] | None = None
    rls_rules_after_first: int = 0
    users_after_first: int = 0
    logins: dict[str, str] = field(default_factory=dict)
    rerun_output: str = ""

    @property
    def metadata_db(self) -> Path:
        return self.home / "superset.db"

    def password(self, username: str) -> str:
        """The admin's password, or the one generated for a user on its creation."""
        return ADMIN_PASSWORD if username == "admin" else self.logins[username]

    def api(self, username: str | None = "admin", password: str | None = None) -> Api:
        if password is None and username is not None:
            password = self.password(username)
        return Api(self.base_url, username, password or "")


def start_server(env: dict[str, str]) -> float:
    seconds, _ = _timed_run(
        "serve.sh start", ["bash", str(SUPERSET_DIR / "serve.sh"), "start"], env, timeout=300
    )
    return seconds


def stop_server(env: dict[str, str]) -> None:
    subprocess.run(
        ["bash", str(SUPERSET_DIR / "serve.sh"), "stop"], env=env, timeout=60, check=False
    )


def stale_assets(target: Path) -> tuple[Path, str]:
    """A copy of the assets with one chart changed, standing for the previous release."""
    shutil.copytree(SUPERSET_DIR / "assets", target)
    chart = target / "charts" / "feed_gx_results.yaml"
    text = chart.read_text(encoding="utf-8")
    text = text.replace(
        "slice_name: 批次校验结果 GX batch gate results", "slice_name: OLD GX results"
    )
    text = text.replace("row_limit: 10000", "row_limit: 7")
    chart.write_text(text, encoding="utf-8")
    return target, stable_uuid("chart", "feed_gx_results")
