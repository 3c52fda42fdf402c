"""A tiny generated network (all three dialects) ingests with exactly the planted defects."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from compare_lakes import compare
from compare_lakes import main as compare_main

from ingestion import pipeline
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
    led = pd.read_parquet(settings.control_export_dir / "file_ledger")
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
    records = duckdb.sql(
        "SELECT raw_record FROM " + current_rows_sql(str(settings.lake), "quarantine")
    ).fetchall()
    refused: list[str] = []
    for (record,) in records:  # strict JSON: NaN or Infinity would be refused by readers
        json.loads(record, parse_constant=refused.append)
    assert refused == []


def test_duplicates_and_reconciliation(generated: tuple[Path, Settings, dict]) -> None:
    net, settings, _ = generated
    manifest = pd.read_csv(net / "truth" / "manifest.csv")
    led = pd.read_parquet(settings.control_export_dir / "file_ledger")
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


def test_shards_side_by_side_land_what_one_process_lands(
    generated: tuple[Path, Settings, dict],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`aftersales ingest` on two worker processes (one run per shard) lands the same
    current rows, quarantine and ledger outcomes as the single-process run."""
    _, single, single_totals = generated
    monkeypatch.setattr(pipeline, "MIN_SHARD_FILES", 1)  # shards even for a tiny network
    parallel = single.model_copy(update={"lake": tmp_path / "lake", "workers": 2})
    shards = pipeline.plan_shards(parallel, min_shards=2)
    sizes = [len(s["files"]) for s in shards]
    assert len(shards) == 2 and max(sizes) - min(sizes) <= max(sizes) // 2
    totals = pipeline.ingest_inbox(parallel, progress=False)
    for key in ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate"):
        assert totals[key] == single_totals[key], key
    differences = [entry for entry in compare(single.lake, parallel.lake) if not entry["identical"]]
    assert differences == []
    columns = ["file_path", "status", "rows_read", "rows_loaded", "rows_quarantined"]
    one = pd.read_parquet(single.control_export_dir / "file_ledger")
    two = pd.read_parquet(parallel.control_export_dir / "file_ledger")
    pd.testing.assert_frame_equal(
        one[columns].sort_values("file_path").reset_index(drop=True),
        two[columns].sort_values("file_path").reset_index(drop=True),
    )
    runs = set(two["run_id"])
    assert len(runs) == 2 and all(r.startswith(totals["run_id"] + "-") for r in runs)


def test_lake_comparison_reports_differences(
    generated: tuple[Path, Settings, dict], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """bench/compare_lakes.py (the check of a new ingestion path against a reference run)
    passes a lake against itself and names the feeds where another lake differs."""
    _, settings, _ = generated
    assert compare_main([str(settings.lake), str(settings.lake)]) == 0
    assert "DIFFERENT" not in capsys.readouterr().out
    assert compare_main([str(settings.lake), str(tmp_path / "empty")]) == 1
    out = capsys.readouterr().out
    assert "landed      repair_orders" in out and "DIFFERENT" in out and "only_reference" in out
