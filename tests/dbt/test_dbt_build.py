"""`dbt build` on the tiny hand-made lake: models, data tests and unit tests all pass,
and the marts have the shapes the dashboards rely on."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from dbt_build_fixture import BuiltWarehouse
from dbt_runner import run_dbt

KPI_CATALOG = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "kpi_catalog.csv"
with KPI_CATALOG.open(encoding="utf-8") as _catalog:
    MONTHLY_KPIS = sum(
        row["grain"] in ("month", "month_and_year") for row in csv.DictReader(_catalog)
    )
DEALERS = 6
MONTHS = 24  # 2022-07 .. 2024-06


def test_build_passes_with_unit_and_data_tests(built_warehouse: BuiltWarehouse) -> None:
    assert built_warehouse.build.returncode == 0, built_warehouse.build.output[-4000:]
    results = built_warehouse.build.run_results["results"]
    assert isinstance(results, list)
    statuses = {r["unique_id"]: r["status"] for r in results}
    failed = {
        uid: status
        for uid, status in statuses.items()
        if status not in {"success", "pass", "no-op"}
    }
    assert failed == {}
    unit_tests = [uid for uid in statuses if uid.startswith("unit_test.")]
    data_tests = [uid for uid in statuses if uid.startswith("test.")]
    assert len(unit_tests) >= 17
    assert len(data_tests) >= 100


def test_monthly_grid_has_every_dealer_month_and_kpi(built_warehouse: BuiltWarehouse) -> None:
    [(rows, dealers, months, kpis)] = built_warehouse.query(
        "select count(*), count(distinct dealer_code), count(distinct period_label), count(distinct kpi_code) "
        "from kpi_dealer_monthly",
    )
    assert (dealers, months, kpis) == (DEALERS, MONTHS, MONTHLY_KPIS)
    assert rows == DEALERS * MONTHS * MONTHLY_KPIS


def test_closed_dealers_roll_up_sales_kpis_to_successor(built_warehouse: BuiltWarehouse) -> None:
    closed = built_warehouse.query(
        "select dealer_code, sum(denominator), count(value) from kpi_dealer_monthly "
        "where kpi_code in ('coverage', 'warranty_registration') and dealer_code in ('D004', 'D005') "
        "group by dealer_code order by dealer_code",
    )
    assert closed == [("D004", 0.0, 0), ("D005", 0.0, 0)]
    [(homed_at_d003,)] = built_warehouse.query(
        "select count(*) from dim_vehicles where selling_dealer_code in ('D004', 'D005') and dealer_code <> 'D003'",
    )
    assert homed_at_d003 == 0
    # operational KPIs stay with the dealer that did the work
    [(d004_visits,)] = built_warehouse.query(
        "select sum(numerator) from kpi_dealer_monthly where kpi_code = 'ro_count' and dealer_code = 'D004'",
    )
    assert d004_visits > 0


def test_rankings_skip_low_sample_and_rank_best_first(built_warehouse: BuiltWarehouse) -> None:
    [(ranked_low_sample,)] = built_warehouse.query(
        "select count(*) from rpt_regional_rankings where low_sample and rank_national is not null",
    )
    assert ranked_low_sample == 0
    best = built_warehouse.query(
        "select period_label, max(value) filter (where rank_national = 1), max(value) "
        "from rpt_regional_rankings where kpi_code = 'coverage' and rank_national is not null "
        "group by period_label",
    )
    assert best, "some coverage figures should be ranked"
    assert all(top == highest for _, top, highest in best)


def test_feed_health_counts_the_held_month_as_received_not_landed(
    built_warehouse: BuiltWarehouse,
) -> None:
    [(last_period, received, is_late, days_late, held, as_of)] = built_warehouse.query(
        "select last_period, last_received_period, is_late, days_late, held_batches, "
        "cast(as_of_date as varchar) from rpt_feed_health "
        "where dealer_code = 'D002' and feed = 'repair_orders'",
    )
    # June arrived and was held: not landed, but not late either (July is due 10 August);
    # the reference date is the data's last day, not the day of the last ingestion run
    assert (last_period, received, is_late, days_late, held) == ("2024-05", "2024-06", False, 0, 1)
    assert as_of == "2024-06-30"


def test_unassigned_region_is_visible(built_warehouse: BuiltWarehouse) -> None:
    assert built_warehouse.query(
        "select region, region_zh from dim_dealers where dealer_code = 'D006'"
    ) == [("unassigned", "未分配")]


@pytest.mark.e2e
def test_docs_generate_works_offline_and_every_mart_column_is_described(
    built_warehouse: BuiltWarehouse,
) -> None:
    docs = run_dbt(
        ["docs", "generate"],
        built_warehouse.lake,
        built_warehouse.warehouse,
        built_warehouse.work_dir,
    )
    assert docs.returncode == 0, docs.output[-4000:]
    target = built_warehouse.work_dir / "target"
    assert (target / "index.html").exists()
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    undocumented = []
    marts = [
        uid
        for uid, node in manifest["nodes"].items()
        if uid.startswith("model.") and "marts" in node["fqn"]
    ]
    assert len(marts) >= 19
    for uid in marts:
        described = {
            name.lower()
            for name, col in manifest["nodes"][uid]["columns"].items()
            if col["description"]
        }
        built_columns = {name.lower() for name in catalog["nodes"][uid]["columns"]}
        undocumented += [f"{uid}.{name}" for name in sorted(built_columns - described)]
    assert undocumented == []
