"""One feed-health definition: `aftersales health` shows the figures of the mart the
feed-health dashboard reads, on a generated network with a held-then-released file, a
reprocessed file, a refused file and re-runs (each file counts once)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from ingestion.cli import app
from ingestion.lake_read import current_rows_sql
from ingestion.pipeline import ingest_inbox, land_dealer_master, release_file, reprocess_files
from ingestion.quality.health import records
from ingestion.settings import PROJECT_ROOT, Settings
from sample_network.config import config_for
from sample_network.generate import generate
from warehouse.publish import build_and_publish

pytestmark = pytest.mark.e2e
DATASET = PROJECT_ROOT / "superset" / "assets" / "datasets" / "rpt_feed_health.yaml"
HELD = "D1001/repair_orders/2023-06.csv"
REPROCESSED = "D1001/complaints/2023-03.csv"
REFUSED = "D1001/survey_responses/2023-07.csv"


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, dict]]:
    root = tmp_path_factory.mktemp("health")
    net = root / "net"
    generate(
        config_for(None, out=net, seed=7, dealers=4, months=6, start_month="2023-01", force=True)
    )
    settings = Settings(
        inbox=net / "inbox",
        dealer_master=net / "master" / "dealers.csv",
        lake=root / "lake",
        warehouse=root / "warehouse" / "aftersales.duckdb",
        env="test",
    )
    held = settings.inbox / HELD
    full = held.read_text(encoding="utf-8")
    held.unlink()
    ingest_inbox(settings, progress=False)
    held.write_text("".join(full.splitlines(keepends=True)[:5]), encoding="utf-8")  # 4 rows
    (settings.inbox / REFUSED).write_bytes(b"")
    second = ingest_inbox(settings, progress=False)
    assert (second["files_held"], second["files_rejected"]) == (1, 1)
    assert release_file(settings, HELD)["files_released"] == 1
    reprocess_files(settings, [REPROCESSED], progress=False)
    for path in settings.inbox.rglob("*.*"):
        os.utime(path)  # the whole inbox sent again, byte for byte: read, and skipped by hash
    assert ingest_inbox(settings, progress=False)["files_skipped"] > 100
    land_dealer_master(settings)
    build_and_publish(settings)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        mart = con.execute("select * from rpt_feed_health").df()
    yield settings, {"mart": mart, "root": root}
    shutil.rmtree(root, ignore_errors=True)


def _cli(settings: Settings, *args: str) -> tuple[int, str]:
    env = {
        "AFTERSALES_LAKE": str(settings.lake),
        "AFTERSALES_WAREHOUSE": str(settings.warehouse),
        "AFTERSALES_DEALER_MASTER": str(settings.dealer_master),
        "COLUMNS": "250",
    }
    result = CliRunner().invoke(app, ["health", *args], env=env)
    return result.exit_code, result.output


def test_cli_and_dashboard_dataset_show_the_same_figures(network: tuple[Settings, dict]) -> None:
    settings, built = network
    mart: pd.DataFrame = built["mart"]
    dashboard_columns = [c["name"] for c in yaml.safe_load(DATASET.read_text("utf-8"))["columns"]]
    assert set(dashboard_columns) <= set(mart.columns)
    for dealer in sorted(set(mart["dealer_code"])):
        code, output = _cli(settings, dealer, "--json")
        assert code == (1 if dealer == "D1001" else 0), output  # D1001: a refused file
        shown = pd.DataFrame(json.loads(output)).set_index("feed")
        expected = pd.DataFrame(records(mart[mart["dealer_code"] == dealer])).set_index("feed")
        assert list(shown.columns) == list(expected.columns)
        pd.testing.assert_frame_equal(shown, expected.loc[shown.index], check_dtype=False)
        assert set(shown.index) == set(expected.index)
    d1001 = mart[mart["dealer_code"] == "D1001"].set_index("feed")
    code, table = _cli(settings, "D1001")
    assert code == 1, table
    assert "as of 2023-06-30" in table
    for feed, row in d1001.iterrows():
        assert feed in table
        assert f"{int(row['rows_read']):,}" in table and f"{int(row['rows_loaded']):,}" in table


def test_each_file_counts_once_with_its_latest_outcome(network: tuple[Settings, dict]) -> None:
    settings, built = network
    health = built["mart"].set_index(["dealer_code", "feed"])
    ledger = pd.read_parquet(settings.control_export_dir / "file_ledger")
    latest = ledger[ledger["status"] != "skipped"].drop_duplicates("file_path", keep="last")
    for (dealer, feed), files in latest.groupby(["dealer_code", "feed"]):
        row = health.loc[(dealer, feed)]
        assert row["files_received"] == len(files) == files["file_path"].nunique()
        for column in ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate"):
            assert row[column] == files[column].sum(), (dealer, feed, column)
        assert row["held_batches"] == (files["status"] == "held").sum()
        assert row["rejected_batches"] == (files["status"] == "rejected").sum()
    ro = health.loc[("D1001", "repair_orders")]
    assert (ro["files_received"], ro["held_batches"], ro["last_period"]) == (6, 0, "2023-06")
    landed = duckdb.sql(
        "select count(*) from "
        + current_rows_sql(str(settings.lake), "landed", "repair_orders")
        + " where dealer_code = 'D1001'"
    ).fetchone()
    assert ro["rows_loaded"] == landed[0]  # the figure is what the warehouse holds
    survey = health.loc[("D1001", "survey_responses")]
    assert (survey["rejected_batches"], survey["last_period"]) == (1, "2023-06")
    assert survey["last_received_period"] == "2023-07"  # a refused file arrived
    assert not health["is_late"].any()  # every dealer sent June: due in July, as of 30 June


def test_without_a_published_warehouse_the_cli_says_so(tmp_path: Path) -> None:
    settings = Settings(lake=tmp_path / "lake", warehouse=tmp_path / "none.duckdb")
    code, output = _cli(settings, "D1001")
    assert code == 2 and "no published warehouse" in output


def test_an_unknown_dealer_exits_1(network: tuple[Settings, dict]) -> None:
    settings, _ = network
    code, output = _cli(settings, "D9999")
    assert code == 1 and "D9999" in output
