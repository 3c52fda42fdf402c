"""Feed health per dealer x feed on a hand-made control DB."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pandas as pd
from quality_batches import ledger_row, write_ledger
from typer.testing import CliRunner

from ingestion.quality.freshness import Cadence, FreshnessConfig
from ingestion.quality.gate import write_results
from ingestion.quality.health import feed_health
from ingestion.quality.health_cli import app
from ingestion.settings import Settings

CONFIG = FreshnessConfig(default=Cadence(cadence="monthly", grace_days=10))


def _control_db(tmp_path: Path) -> Settings:
    settings = Settings(lake=tmp_path / "lake", dealer_master=tmp_path / "dealers.csv")
    pd.DataFrame({"dealer_code": ["D0001", "D0002"], "region": ["east", "north"]}).to_csv(
        settings.dealer_master, index=False
    )
    write_ledger(
        settings.control_db,
        [
            ledger_row(
                "D0001/repair_orders/2024-01.csv",
                rows=(100, 95, 3, 2),
                finished_at="2024-02-03T08:00:00",
            ),
            ledger_row(
                "D0001/repair_orders/2024-02.csv",
                rows=(110, 100, 10, 0),
                finished_at="2024-03-03T08:00:00",
                status="rejected",
            ),
            # the corrected resend of February loads
            ledger_row(
                "D0001/repair_orders/2024-02.csv",
                rows=(105, 104, 1, 0),
                finished_at="2024-03-05T08:00:00",
                sha="fixed",
            ),
            # the same content again is skipped and must not count twice
            ledger_row(
                "D0001/repair_orders/2024-02.csv",
                rows=(105, 0, 0, 0),
                finished_at="2024-03-06T08:00:00",
                status="skipped",
                sha="fixed",
            ),
            ledger_row(
                "D0001/repair_orders/2024-03.csv",
                rows=(9, 0, 0, 0),
                finished_at="2024-04-04T08:00:00",
                status="held",
            ),
            ledger_row(
                "D0002/complaints/2024-03.csv", rows=(4, 4, 0, 0), finished_at="2024-04-02T08:00:00"
            ),
        ],
    )
    results = [
        {
            "run_id": "r1",
            "validated_at": "2024-04-04T08:00:00",
            "dealer_code": d,
            "feed": f,
            "period": "2024-03",
            "file_path": f"{d}/{f}/2024-03.csv",
            "suite": f,
            "expectation": f"e{i}",
            "policy": "warn",
            "success": ok,
            "observed_value": "{}",
        }
        for i, (d, f, ok) in enumerate(
            [("D0001", "repair_orders", True)] * 3
            + [("D0001", "repair_orders", False), ("D0002", "complaints", True)]
        )
    ]
    conn = sqlite3.connect(settings.control_db)
    write_results(conn, results)
    conn.close()
    quarantine = settings.lake / "quarantine" / "repair_orders" / "dealer_code=D0001"
    for period, rules in {
        "2024-01": ["vin_check_digit"] * 2 + ["unparseable_amount"],
        "2024-02": ["vin_check_digit", "required_missing"],
    }.items():
        (quarantine / f"period={period}").mkdir(parents=True)
        pd.DataFrame({"rule_id": rules}).to_parquet(
            quarantine / f"period={period}" / "data.parquet"
        )
    return settings


def test_health_numbers(tmp_path: Path) -> None:
    settings = _control_db(tmp_path)
    health = feed_health(settings, date(2024, 5, 20), config=CONFIG).set_index(
        ["dealer_code", "feed"]
    )
    ro = health.loc[("D0001", "repair_orders")]
    assert ro["region"] == "east"
    assert ro["last_file"] == "D0001/repair_orders/2024-03.csv"
    assert ro["last_period"] == "2024-02"  # March is held, not landed
    assert (ro["rows_read"], ro["rows_loaded"], ro["rows_quarantined"], ro["rows_duplicate"]) == (
        100 + 110 + 105 + 9,
        95 + 100 + 104,
        3 + 10 + 1,
        2,
    )
    assert ro["quarantine_share"] == 14 / 324
    assert ro["top_quarantine_reasons"] == (
        "vin_check_digit (3), required_missing (1), unparseable_amount (1)"
    )
    assert ro["gx_pass_rate"] == 0.75
    assert (ro["held_batches"], ro["rejected_batches"]) == (1, 1)
    # March arrived (held), April due 10 May: 10 days late on 20 May
    assert (ro["days_late"], bool(ro["is_late"])) == (10, True)
    cp = health.loc[("D0002", "complaints")]
    assert (cp["region"], cp["gx_pass_rate"], cp["top_quarantine_reasons"]) == ("north", 1.0, "")
    assert (cp["days_late"], bool(cp["is_late"])) == (10, True)
    on_time = feed_health(settings, date(2024, 5, 10), config=CONFIG)
    assert not on_time["is_late"].any()


def test_a_dealer_closed_after_its_last_file_is_not_late(tmp_path: Path) -> None:
    settings = _control_db(tmp_path)
    pd.DataFrame(
        {
            "dealer_code": ["D0001", "D0002"],
            "region": ["east", "north"],
            "closed_on": ["", "2024-03-31"],
        }
    ).to_csv(settings.dealer_master, index=False)
    health = feed_health(settings, date(2024, 5, 20), config=CONFIG).set_index("dealer_code")
    assert health.loc["D0002", "days_late"] == 0 and not health.loc["D0002", "is_late"]
    assert health.loc["D0001", "days_late"] == 10


def test_health_cli_prints_the_dealers_feeds(tmp_path: Path) -> None:
    settings = _control_db(tmp_path)
    env = {
        "AFTERSALES_LAKE": str(settings.lake),
        "AFTERSALES_DEALER_MASTER": str(settings.dealer_master),
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(app, ["D0001", "--as-of", "2024-05-20"], env=env)
    assert result.exit_code == 0, result.output
    assert "repair_orders" in result.output and "complaints" not in result.output
    assert "vin_check_digit (3)" in result.output and "75.0%" in result.output
    missing = CliRunner().invoke(app, ["D9999"], env=env)
    assert missing.exit_code == 1 and "no ledger entries for dealer D9999" in missing.output
