"""A tiny generated network (all three dialects) ingests with exactly the planted defects."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ingestion.contracts import FEEDS
from ingestion.lake_read import current_rows_sql
from ingestion.pipeline import ingest_inbox
from ingestion.settings import Settings
from sample_network.config import config_for
from sample_network.generate import generate


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Settings, dict]:
    root = tmp_path_factory.mktemp("generated")
    config = config_for(
        None,
        out=root / "net",
        seed=7,
        dealers=6,
        months=4,
        start_month="2024-01",
        defect_rate=0.03,
        sales_per_month=20.0,
        park_vehicles=120,
        force=True,
    )
    generate(config)
    net = root / "net"
    settings = Settings(
        inbox=net / "inbox",
        dealer_master=net / "master" / "dealers.csv",
        lake=root / "lake",
        env="test",
    )
    totals = ingest_inbox(settings, progress=False)
    return net, settings, totals


def test_all_dialects_present_and_every_file_loaded(generated: tuple[Path, Settings, dict]) -> None:
    _, settings, totals = generated
    led = pd.read_parquet(settings.control_export_dir / "file_ledger.parquet")
    assert set(led["dialect"]) == {"canonical_csv", "huayu_gbk_csv", "jinqiao_xlsx_report"}
    assert (led["status"] == "loaded").all(), led[led["status"] != "loaded"][
        ["file_path", "reason"]
    ]
    assert totals["rows_loaded"] > 1000


def test_quarantine_matches_truth_manifest_exactly(generated: tuple[Path, Settings, dict]) -> None:
    net, settings, _ = generated
    manifest = pd.read_csv(net / "truth" / "manifest.csv")
    expected = manifest[manifest["rule"] != "duplicate_row"][["file", "row", "rule"]]
    expected = set(map(tuple, expected.drop_duplicates().itertuples(index=False)))
    got = duckdb.sql(
        "SELECT DISTINCT _source_file, _source_row, rule_id FROM "
        + current_rows_sql(str(settings.lake), "quarantine")
    ).fetchall()
    assert len(expected) > 10
    assert set(got) == expected


def test_duplicates_and_reconciliation(generated: tuple[Path, Settings, dict]) -> None:
    net, settings, _ = generated
    manifest = pd.read_csv(net / "truth" / "manifest.csv")
    led = pd.read_parquet(settings.control_export_dir / "file_ledger.parquet")
    assert (
        led["rows_read"] == led["rows_loaded"] + led["rows_quarantined"] + led["rows_duplicate"]
    ).all()
    planted = manifest[manifest["rule"] == "duplicate_row"].groupby("file").size()
    dups = led.set_index("file_path")["rows_duplicate"]
    for file, n in planted.items():
        if "survey_responses" in file and file.endswith(".xlsx"):
            assert dups[file] >= n  # wide rows melt into one row per answered item
        else:
            assert dups[file] == n, file
    assert dups.drop(planted.index).sum() == 0


def test_every_dialect_lands_canonical_values(generated: tuple[Path, Settings, dict]) -> None:
    """Chinese labels (评价项目 总体满意度, 维修类型 首保, ...) arrive as canonical codes."""
    _, settings, _ = generated
    lake = str(settings.lake)
    items = duckdb.sql(
        "SELECT DISTINCT item_code FROM " + current_rows_sql(lake, "landed", "survey_responses")
    ).fetchall()
    assert {i for (i,) in items} == {
        "overall",
        "advisor",
        "facility",
        "quality",
        "pickup",
        "initiation",
    }
    categories = duckdb.sql(
        "SELECT DISTINCT ro_category FROM " + current_rows_sql(lake, "landed", "repair_orders")
    ).fetchall()
    assert {c for (c,) in categories} <= set(
        FEEDS["repair_orders"].column("ro_category").enum or ()
    )
