"""Chart query latency of the rankings and scorecard dashboards (p50 / p95).

Bootstraps a Superset into a temporary home over the warehouse (AFTERSALES_WAREHOUSE or
--warehouse), serves it, then runs every chart of both dashboards through the
chart-data API with the cache bypassed, as the OEM user (all rows) and as a dealer
user (row-level security applied), then from Superset's cache (what a user gets once the
refresh after a publish has warmed it). Baseline in the same run: the exact SQL Superset
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
from dataclasses import dataclass, field
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


def time_superset(api: Api, qc: dict[str, Any], runs: int, force: bool = True) -> list[float]:
    """Seconds per chart-data request: with `force`, the cache bypassed (Superset runs the
    query); without, served from the cache the publish refresh warms (one request first
    fills it for this user, as the refresh does for its own)."""
    body = {**qc, "force": force}
    if not force:
        api.post("/api/v1/chart/data", body).raise_for_status()
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


@dataclass
class Latencies:
    """Seconds per request over every chart of the dashboards, and per chart."""

    direct: list[float] = field(default_factory=list)
    bypassed: dict[str, list[float]] = field(default_factory=dict)
    cached: dict[str, list[float]] = field(default_factory=dict)
    charts: list[tuple[str, str, str, list[float], list[float]]] = field(default_factory=list)


def measure(admin: Api, users: dict[str, Api], served: Path, runs: int) -> Latencies:
    """Every chart of DASHBOARDS: its SQL run directly on DuckDB, then through the chart-data
    API per user, cache bypassed and cached."""
    out = Latencies(bypassed={u: [] for u in users}, cached={u: [] for u in users})
    for slug in DASHBOARDS:
        charts = admin.get(f"/api/v1/dashboard/{slug}/charts").json()["result"]
        for chart in charts:
            qc = stored_query_context(admin, chart["id"])
            direct = time_direct(served, generated_sql(next(iter(users.values())), qc), runs)
            out.direct += direct
            for label, api in users.items():
                lat = time_superset(api, qc, runs)
                out.bypassed[label] += lat
                out.cached[label] += time_superset(api, qc, runs, force=False)
                out.charts.append((slug, chart["slice_name"], label, lat, direct))
    return out


def report(latencies: Latencies, runs: int) -> None:
    table = Table(title=f"chart latency, {runs} runs each (cache bypassed)")
    for col in ("dashboard", "chart", "user", "p50 ms", "p95 ms", "direct p50 ms", "ratio p50"):
        table.add_column(col)
    for slug, name, label, lat, direct in latencies.charts:
        table.add_row(
            slug,
            name,
            label,
            f"{statistics.median(lat) * 1000:.0f}",
            f"{pct(lat, 0.95) * 1000:.0f}",
            f"{statistics.median(direct) * 1000:.1f}",
            f"{statistics.median(lat) / statistics.median(direct):.1f}x",
        )
    console.print(table)
    direct_p50, direct_p95 = statistics.median(latencies.direct), pct(latencies.direct, 0.95)
    console.print(f"direct DuckDB: p50 {direct_p50 * 1000:.1f} ms, p95 {direct_p95 * 1000:.1f} ms")
    for kind, by_user in (("cache bypassed", latencies.bypassed), ("cached", latencies.cached)):
        for label, lat in by_user.items():
            console.print(
                f"[bold]overall {label}, {kind}[/bold]: "
                f"p50 {statistics.median(lat) * 1000:.0f} ms, "
                f"p95 {pct(lat, 0.95) * 1000:.0f} ms; ratio p50 "
                f"{statistics.median(lat) / direct_p50:.2f}x, ratio p95 "
                f"{pct(lat, 0.95) / direct_p95:.2f}x"
            )


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
            if dealer is None:
                con = duckdb.connect(str(served), read_only=True)
                dealer = con.execute("SELECT min(dealer_code) FROM main.dim_dealers").fetchone()[0]
                con.close()
            users = {"oem": server.api("oem"), f"dealer {dealer}": server.api(dealer)}
            report(measure(server.api("admin"), users, served, runs), runs)
        finally:
            stop_server(env)


if __name__ == "__main__":
    app()
