"""Late feeds from the ledger, recorded once per dealer, feed and period. Cadence and grace
days are the feed contracts' (repair orders and sales: 10 days; claims, surveys and
complaints: 15)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from quality_batches import ledger_row, write_ledger

from ingestion.contracts import DEALER_FEEDS, contract
from ingestion.quality.freshness import (
    Cadence,
    FreshnessConfig,
    check_freshness,
    latest_due_period,
    load_config,
)
from ingestion.settings import Settings

CONFIG = FreshnessConfig(lookback_periods=3)


def _settings(tmp_path: Path) -> Settings:
    return Settings(lake=tmp_path / "lake", dealer_master=tmp_path / "no-master.csv")


def _alerts(settings: Settings) -> list[tuple[str, str, str, str]]:
    conn = sqlite3.connect(settings.control_db)
    rows = conn.execute(
        "SELECT kind, dealer_code, feed, period FROM feed_alerts ORDER BY alert_id"
    ).fetchall()
    conn.close()
    return rows


def test_due_date_is_grace_days_after_period_end() -> None:
    assert latest_due_period(date(2024, 4, 10), 10) == "2024-02"  # March due on 10 April
    assert latest_due_period(date(2024, 4, 11), 10) == "2024-03"


def test_missing_period_raises_one_alert_however_often_checked(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    write_ledger(
        settings.control_db,
        [
            ledger_row("D0001/repair_orders/2024-01.csv"),
            ledger_row("D0001/repair_orders/2024-02.csv"),
            ledger_row("D0002/repair_orders/2024-01.csv"),
            ledger_row("D0002/repair_orders/2024-02.csv"),
            ledger_row("D0002/repair_orders/2024-03.csv", status="rejected"),
        ],
    )
    first = check_freshness(settings, date(2024, 4, 15), CONFIG)
    assert [(i["dealer_code"], i["period"], i["days_late"], i["new"]) for i in first] == [
        ("D0001", "2024-03", 5, True)
    ]
    again = check_freshness(settings, date(2024, 4, 20), CONFIG)
    assert [(i["period"], i["days_late"], i["new"]) for i in again] == [("2024-03", 10, False)]
    assert _alerts(settings) == [("late_feed", "D0001", "repair_orders", "2024-03")]


def test_on_the_due_date_nothing_is_late(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    write_ledger(settings.control_db, [ledger_row("D0001/complaints/2024-02.csv")])
    assert check_freshness(settings, date(2024, 4, 15), CONFIG) == []  # 31 March + 15 days
    late = check_freshness(settings, date(2024, 4, 16), CONFIG)
    assert [(i["feed"], i["period"], i["days_late"]) for i in late] == [
        ("complaints", "2024-03", 1)
    ]


def test_lookback_limits_history_and_first_file_bounds_it(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    write_ledger(
        settings.control_db,
        [
            ledger_row("D0001/vehicle_sales/2023-11.csv"),
            ledger_row("D0003/vehicle_sales/2024-05.csv"),
        ],
    )
    late = check_freshness(settings, date(2024, 6, 20), CONFIG)
    assert [(i["dealer_code"], i["period"]) for i in late] == [
        ("D0001", "2024-05"),
        ("D0001", "2024-04"),
        ("D0001", "2024-03"),
    ]


def test_dealer_overrides_of_the_contract_rule(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    write_ledger(
        settings.control_db,
        [
            ledger_row("D0001/warranty_claims/2024-02.csv"),
            ledger_row("D0002/warranty_claims/2024-02.csv"),
            ledger_row("D0003/warranty_claims/2024-02.csv"),
        ],
    )
    config = FreshnessConfig(
        dealers={
            "D0002": {"warranty_claims": Cadence(grace_days=30)},
            "D0003": {"warranty_claims": Cadence(cadence="none")},
        },
    )
    assert config.rule("D0002", "warranty_claims") == ("monthly", 30)
    late = check_freshness(settings, date(2024, 4, 25), config)
    assert [(i["dealer_code"], i["feed"], i["period"]) for i in late] == [
        ("D0001", "warranty_claims", "2024-03")
    ]


def test_shipped_config_loads_and_the_rules_are_the_contracts() -> None:
    config = load_config()
    for feed in DEALER_FEEDS:
        rule = contract(feed).freshness
        assert rule is not None
        assert config.rule("D0001", feed) == (rule.cadence, rule.grace_days)
    assert config.rule("D0001", "repair_orders") == ("monthly", 10)
    assert config.rule("D0001", "warranty_claims")[1] == 15


def test_sales_feeds_are_not_due_from_service_only_outlets(tmp_path: Path) -> None:
    settings = Settings(lake=tmp_path / "lake", dealer_master=tmp_path / "dealers.csv")
    settings.dealer_master.write_text(
        "dealer_code,dealer_name,region,outlet_type\n"
        "D0001,Workshop,east,service_only\nD0002,Showroom,east,4s\n",
        encoding="utf-8",
    )
    write_ledger(
        settings.control_db,
        [
            ledger_row("D0001/vehicle_sales/2024-02.csv"),
            ledger_row("D0002/vehicle_sales/2024-02.csv"),
            ledger_row("D0001/repair_orders/2024-02.csv"),
        ],
    )
    late = check_freshness(settings, date(2024, 4, 15), CONFIG)
    assert [(i["dealer_code"], i["feed"]) for i in late] == [
        ("D0001", "repair_orders"),
        ("D0002", "vehicle_sales"),
    ]


def test_a_closed_dealer_is_not_expected_after_its_closing_month(tmp_path: Path) -> None:
    settings = Settings(lake=tmp_path / "lake", dealer_master=tmp_path / "dealers.csv")
    settings.dealer_master.write_text(
        "dealer_code,dealer_name,region,closed_on\n"
        "D0001,Closed Motors,east,2024-04-30\nD0002,Open Motors,east,\n",
        encoding="utf-8",
    )
    write_ledger(
        settings.control_db,
        [
            ledger_row("D0001/repair_orders/2024-03.csv"),
            ledger_row("D0002/repair_orders/2024-03.csv"),
        ],
    )
    late = check_freshness(settings, date(2024, 7, 20), CONFIG)
    assert [(i["dealer_code"], i["period"]) for i in late] == [
        ("D0001", "2024-04"),
        ("D0002", "2024-06"),
        ("D0002", "2024-05"),
        ("D0002", "2024-04"),
    ]


def test_freshness_cli_records_and_lists_late_feeds(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ingestion.quality.freshness_cli import app

    settings = _settings(tmp_path)
    write_ledger(settings.control_db, [ledger_row("D0001/repair_orders/2024-02.csv")])
    env = {
        "AFTERSALES_LAKE": str(settings.lake),
        "AFTERSALES_DEALER_MASTER": str(settings.dealer_master),
        "COLUMNS": "150",
    }
    first = CliRunner().invoke(app, ["--as-of", "2024-04-15"], env=env)
    assert first.exit_code == 0, first.output
    assert "Late feeds as of 2024-04-15: 1" in first.output and "yes" in first.output
    second = CliRunner().invoke(app, ["--as-of", "2024-04-15"], env=env)
    assert "2024-03" in second.output and "yes" not in second.output
    assert len(_alerts(settings)) == 1
