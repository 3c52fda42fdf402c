"""Chart query latency of the rankings and scorecard dashboards (p50 / p95).

Bootstraps a Superset into a temporary home over the warehouse (AFTERSALES_WAREHOUSE or
--warehouse), serves it, then runs every chart of both dashboards through the
chart-data API with the cache bypassed, as the OEM user (all rows) and as a dealer
user (row-level security applied). Baseline in the same run: the exact SQL Superset
generated for each chart, run directly on DuckDB with a read-only connection opened
per query (what Superset does). Reported: p50 / p95 per chart and overall, and the
ratio Superset / direct DuckDB.

    .venv/pipeline/bin/python bench/bench_superset.py --runs 20
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "superset"))

from superset_harness import (  # noqa: E402
    Api,
    SupersetServer,
    free_port,
    run_bootstrap,
    start_server,
    stop_server,
    superset_env,
)

from orchestration.distributed import parse_logins  # noqa: E402

DASHBOARDS = ("regional-rankings", "dealer-scorecard")
console = Console(width=160)
app = typer.Typer(add_completion=False, help=__doc__)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def stored_query_context(api: Api, chart_id: int) -> dict[str, Any]:
    import json

    return json.loads(api.get(f"/api/v1/chart/{chart_id}").json()["result"]["query_context"])


def time_superset(api: Api, qc: dict[str, Any], runs: int) -> list[float]:
    body = {**qc, "force": True}
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        r = api.post("/api/v1/chart/data", body)
        out.append(time.perf_counter() - start)
        if r.status_code != 200:
            raise RuntimeError(f"chart data failed: {r.status_code} {r.text[:300]}")
    return out


def generated_sql(api: Api, qc: dict[str, Any]) -> str:
    r = api.post("/api/v1/chart/data", {**qc, "result_type": "query", "force": True})
    r.raise_for_status()
    return r.json()["result"][0]["query"]


def time_direct(warehouse: Path, sql: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        con = duckdb.connect(str(warehouse), read_only=True)
        con.execute(sql).fetchall()
        con.close()
        out.append(time.perf_counter() - start)
    return out


@app.command()
def main(
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB warehouse")] = None,
    runs: Annotated[int, typer.Option(min=3)] = 20,
    dealer: Annotated[str | None, typer.Option(help="dealer user (default: first dealer)")] = None,
) -> None:
    source = Path(
        warehouse
        or os.environ.get("AFTERSALES_WAREHOUSE")
        or ROOT / "var/warehouse/aftersales.duckdb"
    ).resolve()
    if not source.is_file():
        console.print(f"[red]warehouse {source} not found[/red]")
        raise typer.Exit(1)
    with tempfile.TemporaryDirectory(prefix="bench_superset_") as tmp:
        served = Path(tmp) / "aftersales.duckdb"
        shutil.copyfile(source, served)
        port = free_port()
        env = superset_env(Path(tmp) / "home", served, port)
        t_boot, boot_output = run_bootstrap(env)
        t_start = start_server(env)
        console.print(f"bootstrap {t_boot:.1f}s, server start {t_start:.1f}s, warehouse {source}")
        server = SupersetServer(f"http://127.0.0.1:{port}", Path(tmp) / "home", served, env)
        server.logins = parse_logins(boot_output)  # the passwords bootstrap generated
        try:
            admin = server.api("admin")
            if dealer is None:
                con = duckdb.connect(str(served), read_only=True)
                dealer = con.execute("SELECT min(dealer_code) FROM main.dim_dealers").fetchone()[0]
                con.close()
            users = {"oem": server.api("oem"), f"dealer {dealer}": server.api(dealer)}
            table = Table(title=f"chart latency, {runs} runs each (cache bypassed)")
            for col in (
                "dashboard",
                "chart",
                "user",
                "p50 ms",
                "p95 ms",
                "direct p50 ms",
                "ratio p50",
            ):
                table.add_column(col)
            totals: dict[str, list[float]] = {u: [] for u in users}
            direct_all: list[float] = []
            for slug in DASHBOARDS:
                charts = admin.get(f"/api/v1/dashboard/{slug}/charts").json()["result"]
                for chart in charts:
                    qc = stored_query_context(admin, chart["id"])
                    sql = generated_sql(users["oem"], qc)
                    direct = time_direct(served, sql, runs)
                    direct_all += direct
                    for label, api in users.items():
                        lat = time_superset(api, qc, runs)
                        totals[label] += lat
                        table.add_row(
                            slug,
                            chart["slice_name"],
                            label,
                            f"{statistics.median(lat) * 1000:.0f}",
                            f"{pct(lat, 0.95) * 1000:.0f}",
                            f"{statistics.median(direct) * 1000:.1f}",
                            f"{statistics.median(lat) / statistics.median(direct):.1f}x",
                        )
            console.print(table)
            for label, lat in totals.items():
                console.print(
                    f"[bold]overall {label}[/bold]: p50 {statistics.median(lat) * 1000:.0f} ms, "
                    f"p95 {pct(lat, 0.95) * 1000:.0f} ms; direct DuckDB p50 "
                    f"{statistics.median(direct_all) * 1000:.1f} ms; ratio p50 "
                    f"{statistics.median(lat) / statistics.median(direct_all):.1f}x"
                )
        finally:
            stop_server(env)


if __name__ == "__main__":
    app()
