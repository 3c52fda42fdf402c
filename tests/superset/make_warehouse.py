"""Hand-made DuckDB warehouse with the mart tables and columns of docs/architecture.md.

Used to develop and test the dashboards without the dbt build. Values are generated
deterministically; rankings, medians and statuses are computed in SQL from them the
way the contract describes, so the dashboards have realistic, consistent data.

    python tests/superset/make_warehouse.py var/warehouse/dev.duckdb
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb

# dealer_code, dealer_name, region, region_zh
DEALERS: list[tuple[str, str, str, str]] = [
    ("D001", "西安长安汽车服务中心", "northwest", "西北"),
    ("D002", "兰州金城汽车", "northwest", "西北"),
    ("D003", "银川宁安汽车", "northwest", "西北"),
    ("D004", "广州珠江汽车服务", "guangdong_guangxi_hainan", "广东广西海南"),
    ("D005", "南宁绿城汽车", "guangdong_guangxi_hainan", "广东广西海南"),
    ("D006", "海口椰城汽车", "guangdong_guangxi_hainan", "广东广西海南"),
    ("D007", "济南泉城汽车", "shandong_hebei", "山东河北"),
    ("D008", "石家庄燕赵汽车", "shandong_hebei", "山东河北"),
    ("D009", "未分区试点汽车", "unassigned", "未分区"),
]

# kpi_code, kpi_name, kpi_name_zh, target, amber_floor, higher_is_better, unit_scale
KPIS: list[tuple[str, str, str, float | None, float | None, bool, float]] = [
    ("coverage", "Service coverage rate", "服务覆盖率", 0.80, 0.70, True, 1.0),
    ("first_maintenance", "First-maintenance rate", "首保实施率", 0.85, 0.75, True, 1.0),
    ("warranty_registration", "Warranty registration rate", "保修登记率", 0.95, 0.90, True, 1.0),
    ("csi", "CSI", "客户满意度", 85.0, 80.0, True, 100.0),
    ("on_time_delivery", "On-time delivery rate", "准时交车率", 0.95, 0.90, True, 1.0),
    ("complaint_rate", "Complaint rate", "投诉率", 0.10, 0.15, False, 1.0),
]

FEEDS = [
    "vehicle_sales",
    "repair_orders",
    "warranty_registrations",
    "warranty_claims",
    "survey_responses",
    "complaints",
]

MONTHS = 12  # 2025-01 .. 2025-12
LOW_SAMPLE_DEALER = "D003"  # small dealer: low_sample on coverage


def _dealers_sql() -> str:
    rows = ", ".join(f"('{c}', '{n}', '{r}', '{z}')" for c, n, r, z in DEALERS)
    return f"SELECT * FROM (VALUES {rows}) t(dealer_code, dealer_name, region, region_zh)"


def _kpis_sql() -> str:
    def lit(v: float | None) -> str:
        return "NULL" if v is None else repr(v)

    rows = ", ".join(
        f"('{c}', '{n}', '{z}', {lit(t)}, {lit(a)}, {str(h).lower()}, {s})"
        for c, n, z, t, a, h, s in KPIS
    )
    return (
        f"SELECT * FROM (VALUES {rows}) "
        "t(kpi_code, kpi_name, kpi_name_zh, target, amber_floor, higher_is_better, scale)"
    )


STATEMENTS = [
    f"CREATE TABLE dim_dealers AS SELECT dealer_code, dealer_name, region, region_zh, "
    f"CASE WHEN region IN ('guangdong_guangxi_hainan') THEN 'south' ELSE 'north' END AS north_south "
    f"FROM ({_dealers_sql()})",
    f"CREATE TEMP TABLE kpi_def AS {_kpis_sql()}",
    # one row per dealer x month x KPI; hash-based deterministic values
    f"""
    CREATE TEMP TABLE base_month AS
    SELECT d.dealer_code, 'month' AS period_grain,
           make_date(2025, m, 1) AS period_start,
           strftime(make_date(2025, m, 1), '%Y-%m') AS period_label,
           k.kpi_code,
           (CASE WHEN d.dealer_code = '{LOW_SAMPLE_DEALER}' AND k.kpi_code = 'coverage'
                 THEN 20 ELSE 80 + (hash(d.dealer_code || k.kpi_code || m) % 120) END)::DOUBLE
             AS denominator,
           k.scale, k.higher_is_better
    FROM dim_dealers d CROSS JOIN range(1, {MONTHS + 1}) r(m) CROSS JOIN kpi_def k
    """,
    """
    CREATE TEMP TABLE kpi_month AS
    SELECT dealer_code, period_grain, period_start, period_label, kpi_code,
           CASE WHEN scale = 100 THEN round(denominator * (0.70 + (hash(dealer_code || kpi_code || period_label || 'n') % 28) / 100.0) * 100, 1)
                WHEN higher_is_better THEN round(denominator * (0.62 + (hash(dealer_code || kpi_code || period_label || 'n') % 37) / 100.0))
                ELSE round(denominator * (0.03 + (hash(dealer_code || kpi_code || period_label || 'n') % 15) / 100.0)) END
             AS numerator,
           denominator
    FROM base_month
    """,
    """
    CREATE TABLE kpi_dealer_monthly AS
    SELECT dealer_code, period_grain, period_start, period_label, kpi_code,
           numerator, denominator, numerator / nullif(denominator, 0) AS value,
           denominator < 30 AS low_sample
    FROM kpi_month
    """,
    """
    CREATE TABLE kpi_dealer_yearly AS
    SELECT dealer_code, 'year' AS period_grain, make_date(2025, 1, 1) AS period_start,
           '2025' AS period_label, kpi_code,
           sum(numerator) AS numerator, sum(denominator) AS denominator,
           sum(numerator) / nullif(sum(denominator), 0) AS value,
           sum(denominator) < 30 AS low_sample
    FROM kpi_month GROUP BY ALL
    """,
    """
    CREATE TEMP TABLE kpi_all AS
    SELECT * FROM kpi_dealer_monthly UNION ALL BY NAME SELECT * FROM kpi_dealer_yearly
    """,
    """
    CREATE TEMP TABLE ranked AS
    SELECT k.period_grain, k.period_start, k.period_label, d.dealer_code, d.dealer_name,
           d.region, d.region_zh, k.kpi_code, f.kpi_name, f.kpi_name_zh, k.value, k.numerator,
           k.denominator, k.low_sample, f.target, f.amber_floor, f.higher_is_better,
           CASE WHEN NOT k.low_sample THEN (CASE WHEN f.higher_is_better THEN k.value ELSE -k.value END) END AS sort_value
    FROM kpi_all k JOIN dim_dealers d USING (dealer_code) JOIN kpi_def f USING (kpi_code)
    """,
    """
    CREATE TEMP TABLE ranked2 AS
    SELECT *,
      CASE WHEN sort_value IS NOT NULL THEN dense_rank() OVER (PARTITION BY period_grain, period_label, kpi_code, region, sort_value IS NULL ORDER BY sort_value DESC) END AS rank_region,
      CASE WHEN sort_value IS NOT NULL THEN dense_rank() OVER (PARTITION BY period_grain, period_label, kpi_code, sort_value IS NULL ORDER BY sort_value DESC) END AS rank_national,
      CASE WHEN sort_value IS NOT NULL THEN percent_rank() OVER (PARTITION BY period_grain, period_label, kpi_code, region, sort_value IS NULL ORDER BY sort_value) END AS pct_region,
      CASE WHEN sort_value IS NOT NULL THEN percent_rank() OVER (PARTITION BY period_grain, period_label, kpi_code, sort_value IS NULL ORDER BY sort_value) END AS pct_national
    FROM ranked
    """,
    """
    CREATE TEMP TABLE composite AS
    SELECT period_grain, period_start, period_label, dealer_code, dealer_name, region, region_zh,
           'composite' AS kpi_code, 'Composite score' AS kpi_name, '综合得分' AS kpi_name_zh,
           round(100 * avg(pct_national), 1) AS value, NULL::DOUBLE AS numerator,
           NULL::DOUBLE AS denominator, false AS low_sample, NULL::DOUBLE AS target,
           NULL::DOUBLE AS amber_floor, true AS higher_is_better,
           round(100 * avg(pct_national), 1) AS sort_value
    FROM ranked2 WHERE kpi_code IN ('coverage', 'first_maintenance', 'warranty_registration', 'csi', 'on_time_delivery')
    GROUP BY ALL
    """,
    """
    CREATE TEMP TABLE composite2 AS
    SELECT *,
      dense_rank() OVER (PARTITION BY period_grain, period_label, region ORDER BY sort_value DESC) AS rank_region,
      dense_rank() OVER (PARTITION BY period_grain, period_label ORDER BY sort_value DESC) AS rank_national,
      percent_rank() OVER (PARTITION BY period_grain, period_label, region ORDER BY sort_value) AS pct_region,
      percent_rank() OVER (PARTITION BY period_grain, period_label ORDER BY sort_value) AS pct_national
    FROM composite
    """,
    """
    CREATE TABLE rpt_regional_rankings AS
    SELECT period_grain, period_start, period_label, dealer_code, dealer_name, region, region_zh,
           kpi_code, kpi_name, kpi_name_zh, value, numerator, denominator, low_sample,
           rank_region, rank_national, pct_region, pct_national, target,
           CASE WHEN target IS NULL OR value IS NULL THEN NULL
                WHEN higher_is_better AND value >= target THEN 'green'
                WHEN higher_is_better AND value >= amber_floor THEN 'amber'
                WHEN higher_is_better THEN 'red'
                WHEN value <= target THEN 'green'
                WHEN value <= amber_floor THEN 'amber'
                ELSE 'red' END AS status
    FROM (SELECT * FROM ranked2 UNION ALL BY NAME SELECT * FROM composite2)
    ORDER BY period_grain, period_label, kpi_code, region, rank_region
    """,
    """
    CREATE TABLE rpt_dealer_scorecard AS
    WITH s AS (
      SELECT r.*,
        median(value) OVER (PARTITION BY period_grain, period_label, kpi_code, region) AS region_median,
        median(value) OVER (PARTITION BY period_grain, period_label, kpi_code) AS national_median,
        value - target AS gap_to_target,
        value - lag(value) OVER (PARTITION BY period_grain, dealer_code, kpi_code ORDER BY period_start) AS mom_change
      FROM rpt_regional_rankings r WHERE kpi_code <> 'composite'
    ), w AS (
      SELECT *, row_number() OVER (PARTITION BY period_grain, period_label, dealer_code
                                   ORDER BY coalesce(pct_national, 1), kpi_code) AS weak_order
      FROM s
    )
    SELECT period_grain, period_start, period_label, dealer_code, dealer_name, region, kpi_code,
           kpi_name, kpi_name_zh, value, numerator, denominator, low_sample, target, status,
           region_median, national_median, gap_to_target, mom_change,
           weak_order <= 2 AS is_weak_item,
           CASE WHEN weak_order <= 2 THEN weak_order END AS weak_item_rank
    FROM w
    """,
    """
    CREATE TABLE dim_vehicles AS
    SELECT printf('LVHRV%s%06d', dealer_code, i) AS vin, dealer_code AS home_dealer_code,
           dealer_code, make_date(2023, 1 + i % 12, 1 + i % 27) AS invoice_date
    FROM dim_dealers CROSS JOIN range(0, 40) r(i)
    """,
    f"""
    CREATE TEMP TABLE drill AS
    SELECT v.dealer_code, strftime(make_date(2025, m, 1), '%Y-%m') AS period_label, v.vin,
           (hash(v.vin || m) % 10) < 8 AS in_numerator
    FROM dim_vehicles v CROSS JOIN range(1, {MONTHS + 1}) r(m)
    WHERE (hash(v.vin || m) % 3) = 0
    """,
    """
    CREATE TABLE rpt_coverage_vehicles AS
    SELECT dealer_code, period_label, vin, in_numerator,
           CASE WHEN in_numerator THEN '12个月内有进厂 visit within 12 months'
                ELSE '12个月内无进厂 no qualifying visit' END AS reason
    FROM drill
    """,
    """
    CREATE TABLE rpt_first_maintenance_vehicles AS
    SELECT dealer_code, '2025' AS period_label, vin, bool_or(in_numerator) AS in_numerator,
           CASE WHEN bool_or(in_numerator) THEN '按期首保 on time'
                ELSE '超期或超里程 late or over mileage' END AS reason
    FROM drill GROUP BY dealer_code, vin
    """,
    """
    CREATE TABLE rpt_warranty_registration_vehicles AS
    SELECT dealer_code, period_label, vin, in_numerator,
           CASE WHEN in_numerator THEN '7天内登记 registered within 7 days'
                ELSE '未按期登记 not registered in time' END AS reason
    FROM drill
    """,
    f"""
    CREATE TABLE rpt_feed_health AS
    WITH f AS (SELECT * FROM (VALUES {", ".join(f"('{f}')" for f in FEEDS)}) t(feed))
    SELECT d.dealer_code, d.region, f.feed,
           f.feed || '/' || d.dealer_code || '/2025-12.csv' AS last_file,
           CASE WHEN hash(d.dealer_code || f.feed) % 7 = 0 THEN '2025-10' ELSE '2025-12' END AS last_period,
           CASE WHEN hash(d.dealer_code || f.feed) % 7 = 0 THEN 35 ELSE 0 END AS days_late,
           hash(d.dealer_code || f.feed) % 7 = 0 AS is_late,
           1000 + hash(d.dealer_code || f.feed) % 500 AS rows_read,
           NULL::BIGINT AS rows_loaded,
           hash(d.dealer_code || f.feed || 'q') % 40 AS rows_quarantined,
           hash(d.dealer_code || f.feed || 'd') % 5 AS rows_duplicate,
           NULL::DOUBLE AS quarantine_share,
           CASE hash(d.dealer_code || f.feed) % 3
             WHEN 0 THEN 'vin_invalid: 车架号校验失败 (12); date_unparseable: 日期无法解析 (3)'
             WHEN 1 THEN 'amount_negative: 金额为负 (5)'
             ELSE '' END AS top_quarantine_reasons,
           0.90 + (hash(d.dealer_code || f.feed || 'gx') % 11) / 100.0 AS gx_pass_rate,
           (hash(d.dealer_code || f.feed || 'h') % 4 = 0)::INTEGER AS held_batches,
           (hash(d.dealer_code || f.feed || 'r') % 9 = 0)::INTEGER AS rejected_batches
    FROM dim_dealers d CROSS JOIN f
    """,
    """
    UPDATE rpt_feed_health SET
      rows_loaded = rows_read - rows_quarantined - rows_duplicate,
      quarantine_share = rows_quarantined / rows_read
    """,
    "CREATE TABLE rpt_customer_segments AS SELECT dealer_code, '2025-12' AS period_label, "
    "'in_warranty' AS age_segment, 'private' AS use_segment, 'A' AS value_class, "
    "count(*) AS vehicles FROM dim_vehicles GROUP BY dealer_code",
    "CREATE TABLE rpt_churn_risk AS SELECT dealer_code, '2025-12' AS period_label, vin, "
    "invoice_date AS last_visit_date FROM dim_vehicles WHERE hash(vin) % 5 = 0",
]


def build(path: Path) -> Path:
    """Write the warehouse to `path` atomically (new file, CHECKPOINT, close, replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.building")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        for statement in STATEMENTS:
            con.execute(statement)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, path)
    return path


def dealer_codes(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [
            r[0] for r in con.execute("SELECT dealer_code FROM dim_dealers ORDER BY 1").fetchall()
        ]
    finally:
        con.close()


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "var/warehouse/aftersales.duckdb")
    print(build(target))
