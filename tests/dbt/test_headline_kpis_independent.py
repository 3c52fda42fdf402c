"""The three headline KPIs recomputed from the landed Parquet by independent SQL must
equal the marts exactly."""

from __future__ import annotations

from dbt_build_fixture import BuiltWarehouse
from headline_kpis_independent import HeadlineParameters, compare_headline_kpis


def test_headline_kpis_match_independent_recomputation(built_warehouse: BuiltWarehouse) -> None:
    assert built_warehouse.build.returncode == 0, built_warehouse.build.output[-4000:]
    compared, mismatches = compare_headline_kpis(built_warehouse.lake, built_warehouse.warehouse)
    # 6 dealers x (24 months coverage + 24 months + 3 years registration + 3 years first maintenance)
    assert compared == 6 * (24 + 24 + 3 + 3)
    assert mismatches == []


def test_independent_check_detects_a_changed_definition(built_warehouse: BuiltWarehouse) -> None:
    params = HeadlineParameters.from_project()
    changed = params.model_copy(update={"wr_deadline_days": params.wr_deadline_days - 1})
    _, mismatches = compare_headline_kpis(built_warehouse.lake, built_warehouse.warehouse, changed)
    assert mismatches
    assert {m.kpi_code for m in mismatches} == {"warranty_registration"}


def test_tiny_lake_exercises_the_headline_kpis(built_warehouse: BuiltWarehouse) -> None:
    rows = built_warehouse.query(
        "select kpi_code, sum(numerator), sum(denominator) from kpi_dealer_monthly "
        "where kpi_code in ('coverage', 'warranty_registration') group by kpi_code "
        "union all select kpi_code || '_year', sum(numerator), sum(denominator) from kpi_dealer_yearly "
        "where kpi_code = 'first_maintenance' group by kpi_code order by 1"
    )
    for kpi_code, numerator, denominator in rows:
        assert 0 < numerator < denominator, kpi_code
