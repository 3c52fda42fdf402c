"""Session fixtures: one warehouse, one bootstrapped Superset server for all tests.

The warehouse is AFTERSALES_WAREHOUSE when that file exists, else one built here by the
real pipeline (generator -> ingestion -> dbt build and publish) on a small network. Either
way the server reads a private copy, so the publish test can replace it without touching
the source.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from superset_harness import (
    GONE_DEALER,
    GONE_REGION,
    ROOT,
    SupersetServer,
    aggregate_tables,
    chart_row,
    count_rows,
    free_port,
    run_bootstrap,
    stale_assets,
    start_server,
    stop_server,
    superset_env,
)

from orchestration.distributed import parse_logins

ARTIFACTS = ROOT / "var" / "test-artifacts"


@pytest.fixture(scope="session")
def warehouse_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("AFTERSALES_WAREHOUSE")
    if configured and Path(configured).is_file():
        return Path(configured).resolve()
    return build_real_warehouse(tmp_path_factory.mktemp("pipeline"))


def build_real_warehouse(root: Path) -> Path:
    """Sample network -> ingestion -> dbt build -> published DuckDB file, as in production.

    The network carries the demo's file events (a held file, a rejected file, a late feed)
    and ends in December, so its last month's warranty registrations are provisional."""
    from ingestion.pipeline import ingest_inbox
    from ingestion.settings import Settings
    from sample_network.config import config_for
    from sample_network.generate import generate
    from warehouse.publish import build_and_publish

    network = root / "network"
    generate(
        config_for(
            None,
            out=network,
            seed=11,
            dealers=6,
            months=10,
            start_month="2025-03",
            file_events=True,
            force=True,
        )
    )
    settings = Settings(
        inbox=network / "inbox",
        dealer_master=network / "master" / "dealers.csv",
        lake=root / "lake",
        warehouse=root / "warehouse" / "aftersales.duckdb",
        data_root=root,
        env="test",
    )
    ingest_inbox(settings, progress=False)
    build_and_publish(settings)
    return settings.warehouse


@pytest.fixture(scope="session")
def served_warehouse(warehouse_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    served = tmp_path_factory.mktemp("warehouse") / "aftersales.duckdb"
    shutil.copyfile(warehouse_source, served)
    return served


@pytest.fixture(scope="session")
def mart(served_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Direct read-only access to the marts, for expected values."""
    # a separate copy: the served file is replaced during the publish test
    copy = served_warehouse.with_name("expected.duckdb")
    shutil.copyfile(served_warehouse, copy)
    con = duckdb.connect(str(copy), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def superset_server(
    served_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SupersetServer]:
    home = tmp_path_factory.mktemp("superset_home")
    port = free_port()
    stale_dir, stale_chart = stale_assets(tmp_path_factory.mktemp("assets") / "assets")

    # first bootstrap with an older version of one chart, then the current assets:
    # the second run must update that chart (and must not duplicate anything) ...
    # ... and with a dealer master holding a dealer (in its own region) that has left since
    previous = tmp_path_factory.mktemp("previous_warehouse") / "aftersales.duckdb"
    shutil.copyfile(served_warehouse, previous)
    con = duckdb.connect(str(previous))
    con.execute(
        f"INSERT INTO main.dim_dealers BY NAME SELECT '{GONE_DEALER}' AS dealer_code, "
        f"'{GONE_REGION}' AS region"
    )
    con.close()
    first, first_output = run_bootstrap(superset_env(home, previous, port, assets=stale_dir))
    server = SupersetServer(
        base_url=f"http://127.0.0.1:{port}",
        home=home,
        warehouse=served_warehouse,
        env=superset_env(home, served_warehouse, port),
    )
    server.logins = parse_logins(first_output)
    server.before_reimport = chart_row(server.metadata_db, stale_chart)
    server.rls_rules_after_first = count_rows(server.metadata_db, "row_level_security_filters")
    server.users_after_first = count_rows(server.metadata_db, "ab_user")
    second, server.rerun_output = run_bootstrap(server.env)
    server.timings = {"bootstrap_fresh_s": first, "bootstrap_rerun_s": second}
    server.timings["server_start_s"] = start_server(server.env)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "superset_timings.txt").write_text(
        "".join(f"{k}={v:.1f}\n" for k, v in server.timings.items()), encoding="utf-8"
    )
    try:
        yield server
    finally:
        stop_server(server.env)


@pytest.fixture(scope="session")
def admin(superset_server: SupersetServer):  # type: ignore[no-untyped-def]
    return superset_server.api("admin")


@pytest.fixture(scope="session")
def all_dataset_ids(admin) -> dict[str, int]:  # type: ignore[no-untyped-def]
    r = admin.get("/api/v1/dataset/", page_size=100, columns=["id", "table_name"])
    r.raise_for_status()
    return {d["table_name"]: d["id"] for d in r.json()["result"]}


@pytest.fixture(scope="session")
def dataset_ids(all_dataset_ids: dict[str, int]) -> dict[str, int]:
    """The datasets with dealer rows (row-level security applies)."""
    aggregates = aggregate_tables()
    return {t: i for t, i in all_dataset_ids.items() if t not in aggregates}


@pytest.fixture(scope="session")
def dealers(mart: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(dealer_code, region, dealer_name) from the dealer master in the warehouse."""
    cols = {
        r[0]
        for r in mart.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'dim_dealers'"
        ).fetchall()
    }
    name = "coalesce(dealer_name, dealer_code)" if "dealer_name" in cols else "dealer_code"
    return [
        (str(c), str(r), str(n))
        for c, r, n in mart.execute(
            f"SELECT dealer_code, coalesce(region, 'unassigned'), {name} "
            "FROM main.dim_dealers ORDER BY dealer_code"
        ).fetchall()
    ]
