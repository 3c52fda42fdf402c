"""Independent recomputation of the three headline KPIs straight from the landed Parquet.

Service coverage (dealer x month), first-maintenance rate (dealer x cohort year) and
warranty registration rate (dealer x invoice month and year) are recomputed here with
plain DuckDB SQL written from docs/kpis.md, deliberately without the dbt models (date
arithmetic instead of month indexes, a recursive successor walk, QUALIFY/arg_min
deduplication), and compared with the published marts numerator by numerator.

Usable on any lake and warehouse:

    python tests/dbt/headline_kpis_independent.py --lake var/lake \
        --warehouse var/warehouse/aftersales.duckdb
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import duckdb
import typer
import yaml
from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from ingestion.contracts import DEALER_FEEDS
from ingestion.lake_read import current_rows_sql

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


class HeadlineParameters(BaseModel):
    """KPI parameters of the headline KPIs (defaults: docs/kpis.md)."""

    coverage_min_age_months: int = 6
    coverage_max_age_months: int = 36
    coverage_lookback_months: int = 12
    fm_months: int = 6
    fm_grace_days: int = 30
    fm_km: int = 5000
    fm_km_tolerance: Decimal = Decimal("0.10")
    wr_deadline_days: int = 7
    model_policy: dict[str, tuple[int, int]] = Field(default_factory=dict)

    @classmethod
    def from_project(cls, project_dir: Path = PROJECT_DIR) -> HeadlineParameters:
        """Read the parameter values configured in the dbt project (vars and policy seed)."""
        config = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
        project_vars = config.get("vars", {})
        known = {name: project_vars[name] for name in cls.model_fields if name in project_vars}
        if "fm_km_tolerance" in known:
            known["fm_km_tolerance"] = Decimal(str(known["fm_km_tolerance"]))
        policy: dict[str, tuple[int, int]] = {}
        with (project_dir / "seeds" / "fm_model_policy.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                policy[row["model_code"]] = (int(row["fm_months"]), int(row["fm_km"]))
        return cls(**known, model_policy=policy)


@dataclass(frozen=True)
class Mismatch:
    kpi_code: str
    period_grain: str
    dealer_code: str
    period_label: str
    expected: tuple[int, int] | None
    actual: tuple[float | None, float | None] | None


def _landed(lake: Path, feed: str) -> str:
    return current_rows_sql(lake.as_posix(), "landed", feed)


def _latest(lake: Path, feed: str, *key: str) -> str:
    """The landed rows of a feed, each key's latest load only (a resend replaces a row)."""
    return (
        f"(select * from {_landed(lake, feed)} qualify row_number() over ("
        f"partition by {', '.join(key)} order by _loaded_at desc, period desc, _source_row desc) = 1)"
    )


# the calendar years of the month grid
YEARS = "(select distinct year(month_start)::varchar as label from months)"


def _per_dealer_period(
    kpi_code: str, period_grain: str, periods: str, judged: str, label: str, ok: str
) -> str:
    """A rate per dealer x period of `periods` (a relation with a column label): the `judged`
    rows of the dealer (home_code) and period (column `label`) are the denominator, those
    with `ok` the numerator; 0 / 0 for a dealer-period without any."""
    return f"""
        select '{kpi_code}' as kpi_code, '{period_grain}' as period_grain, d.dealer_code,
               g.label as period_label,
               count(j.home_code) filter (where j.{ok}) as numerator,
               count(j.home_code) as denominator
        from dealers d cross join {periods} g
        left join {judged} j on j.home_code = d.dealer_code and j.{label} = g.label
        group by all"""


def _policy_values(params: HeadlineParameters) -> str:
    rows = [
        f"('{model}', {months}, {km})"
        for model, (months, km) in sorted(params.model_policy.items())
    ]
    if not rows:
        rows = ["('__none__', 0, 0)"]
    return ", ".join(rows)


def expected_figures(lake: Path, params: HeadlineParameters) -> duckdb.DuckDBPyConnection:
    """Build the table `expected(kpi_code, period_grain, dealer_code, period_label, numerator, denominator)`."""
    con = duckdb.connect()
    dealers_glob = (lake / "landed" / "dealers" / "*.parquet").as_posix()
    tolerance_factor = Decimal(1) + params.fm_km_tolerance
    # months with landed rows in any feed (a feed without files yet is skipped)
    feeds_with_files = [
        feed for feed in DEALER_FEEDS if any((lake / "landed" / feed).glob("*.parquet"))
    ]
    if not feeds_with_files:
        raise ValueError(f"no landed partitions under {lake / 'landed'}")
    periods = " union all ".join(
        f"select distinct period from {_landed(lake, feed)}" for feed in feeds_with_files
    )
    con.execute(
        f"""
        create table dealers as
        select dealer_code, closed_on, nullif(trim(successor_dealer_code), '') as successor
        from read_parquet('{dealers_glob}');

        create table home_of as
        with recursive walk(origin, current_code, depth) as (
            select dealer_code, dealer_code, 0 from dealers
            union all
            select walk.origin, d.successor, walk.depth + 1
            from walk
            join dealers d on d.dealer_code = walk.current_code
            where d.closed_on is not null
              and d.successor in (select dealer_code from dealers)
              and walk.depth < 50
        )
        select origin as dealer_code, arg_max(current_code, depth) as home_code
        from walk group by origin;

        create table months as
        with bounds as (
            select min(strptime(period, '%Y-%m'))::date as first_month,
                   max(strptime(period, '%Y-%m'))::date as last_month
            from ({periods})
        )
        select cast(m as date) as month_start, strftime(m, '%Y-%m') as label
        from bounds, generate_series(first_month, last_month, interval 1 month) as t(m);

        create table sales_latest as
        select * from {_latest(lake, "vehicle_sales", "dealer_code", "vin", "invoice_no")};

        create table base as
        select s.vin, s.model_code, s.invoice_date, s.delivery_date,
               coalesce(h.home_code, s.dealer_code) as home_code
        from sales_latest s
        left join home_of h on h.dealer_code = s.dealer_code
        where s.sale_type = 'retail' and s.status = 'valid'
        qualify row_number() over (partition by s.vin order by s.invoice_date, s.invoice_no, s.dealer_code) = 1;

        create table visits as
        select r.vin, r.ro_category, r.settled_at, r.odometer_km,
               coalesce(h.home_code, r.dealer_code) as visit_home_code
        from {_latest(lake, "repair_orders", "dealer_code", "ro_no")} r
        left join home_of h on h.dealer_code = r.dealer_code
        where r.status = 'settled' and r.ro_category not in ('pdi', 'internal')
          and r.settled_at is not null;
        """
    )
    # 1. coverage: invoices in months M-(max-1) .. M-min, visits settled in months M-(lookback-1) .. M
    con.execute(
        f"""
        create table coverage as
        with pairs as (
            select m.label, b.home_code, b.vin,
                   exists (
                       select 1 from visits v
                       where v.vin = b.vin
                         and date_trunc('month', v.settled_at)
                             between m.month_start - interval {params.coverage_lookback_months - 1} month
                                 and m.month_start
                   ) as covered
            from months m
            join base b
              on date_trunc('month', b.invoice_date)
                 between m.month_start - interval {params.coverage_max_age_months - 1} month
                     and m.month_start - interval {params.coverage_min_age_months} month
        )
        {_per_dealer_period("coverage", "month", "months", "pairs", "label", "covered")};
        """
    )
    # 2. first maintenance: cohort = calendar year of invoice_date + n months (day clamped)
    con.execute(
        f"""
        create table policy(model_code varchar, months integer, km integer);
        insert into policy values {_policy_values(params)};

        create table fm_events as
        with claims as (
            select vin, arg_min(submitted_at, submitted_at) as event_at,
                   arg_min(odometer_km, submitted_at) as odometer
            from {_latest(lake, "warranty_claims", "dealer_code", "claim_no")}
            where status = 'approved' and claim_type = 'first_maintenance'
            group by vin
        ),
        ros as (
            select vin, min(settled_at) as event_at, arg_min(odometer_km, settled_at) as odometer
            from visits where ro_category = 'first_maintenance'
            group by vin
        )
        select coalesce(c.vin, r.vin) as vin,
               case when c.vin is not null then c.event_at else r.event_at end as event_at,
               case when c.vin is not null then c.odometer else r.odometer end as odometer
        from claims c full outer join ros r on c.vin = r.vin;

        create table first_maintenance as
        with cohort as (
            select b.vin, b.home_code,
                   (b.invoice_date + interval (coalesce(p.months, {params.fm_months})) month)::date as due,
                   coalesce(p.km, {params.fm_km}) * {tolerance_factor} as km_limit
            from base b left join policy p on p.model_code = b.model_code
        ),
        judged as (
            select c.home_code, year(c.due)::varchar as label,
                   coalesce(e.event_at::date <= c.due + {params.fm_grace_days}
                            and e.odometer <= c.km_limit, false) as ok
            from cohort c left join fm_events e on e.vin = c.vin
        ),
        years as {YEARS}
        {_per_dealer_period("first_maintenance", "year", "years", "judged", "label", "ok")};
        """
    )
    # 3. warranty registration: earliest accepted registration by the (rolled-up) home dealer
    con.execute(
        f"""
        create table registration_vins as
        with regs as (
            select r.vin, r.submitted_at, coalesce(h.home_code, r.dealer_code) as reg_home
            from {_latest(lake, "warranty_registrations", "dealer_code", "registration_id")} r
            left join home_of h on h.dealer_code = r.dealer_code
            where r.status = 'accepted'
        ),
        first_home_reg as (
            select b.vin, min(regs.submitted_at) as first_submitted
            from base b join regs on regs.vin = b.vin and regs.reg_home = b.home_code
            group by b.vin
        )
        select b.vin, b.home_code, strftime(b.invoice_date, '%Y-%m') as month_label,
               year(b.invoice_date)::varchar as year_label,
               coalesce(f.first_submitted::date
                        <= coalesce(b.delivery_date, b.invoice_date) + {params.wr_deadline_days}, false) as ok
        from base b left join first_home_reg f on f.vin = b.vin;

        create table warranty_registration as
        {_per_dealer_period("warranty_registration", "month", "months", "registration_vins", "month_label", "ok")}
        union all
        {_per_dealer_period("warranty_registration", "year", YEARS, "registration_vins", "year_label", "ok")};

        create table expected as
        select * from coverage
        union all select * from first_maintenance
        union all select * from warranty_registration;
        """
    )
    return con


def compare_headline_kpis(
    lake: Path, warehouse: Path, params: HeadlineParameters | None = None
) -> tuple[int, list[Mismatch]]:
    """Recompute the headline KPIs from ``lake`` and compare with the marts in ``warehouse``.

    Returns the number of (KPI, dealer, period) figures compared and the mismatches.
    """
    con = expected_figures(lake, params or HeadlineParameters.from_project())
    con.execute(f"attach '{warehouse.as_posix()}' as wh (read_only)")
    rows = con.execute(
        """
        with actual as (
            select kpi_code, period_grain, dealer_code, period_label, numerator, denominator
            from wh.main.kpi_dealer_monthly where kpi_code in ('coverage', 'warranty_registration')
            union all
            select kpi_code, period_grain, dealer_code, period_label, numerator, denominator
            from wh.main.kpi_dealer_yearly where kpi_code in ('first_maintenance', 'warranty_registration')
        )
        select coalesce(e.kpi_code, a.kpi_code), coalesce(e.period_grain, a.period_grain),
               coalesce(e.dealer_code, a.dealer_code), coalesce(e.period_label, a.period_label),
               e.numerator, e.denominator, a.numerator, a.denominator,
               e.kpi_code is not null and a.kpi_code is not null
                   and e.numerator = a.numerator and e.denominator = a.denominator as matches
        from expected e
        full outer join actual a
          on e.kpi_code = a.kpi_code and e.period_grain = a.period_grain
         and e.dealer_code = a.dealer_code and e.period_label = a.period_label
        order by 1, 2, 3, 4
        """
    ).fetchall()
    mismatches = [
        Mismatch(
            kpi_code=row[0],
            period_grain=row[1],
            dealer_code=row[2],
            period_label=row[3],
            expected=None if row[4] is None else (int(row[4]), int(row[5])),
            actual=None if row[6] is None else (row[6], row[7]),
        )
        for row in rows
        if not row[8]
    ]
    return len(rows), mismatches


def main(
    lake: Annotated[Path, typer.Option(help="Lake root (contains landed/).")],
    warehouse: Annotated[Path, typer.Option(help="Built warehouse DuckDB file.")],
) -> None:
    console = Console()
    compared, mismatches = compare_headline_kpis(lake, warehouse)
    if not mismatches:
        console.print(f"[green]headline KPIs match[/green]: {compared} figures compared")
        return
    table = Table("kpi", "grain", "dealer", "period", "expected (num, den)", "warehouse (num, den)")
    for item in mismatches[:50]:
        table.add_row(
            item.kpi_code,
            item.period_grain,
            item.dealer_code,
            item.period_label,
            str(item.expected),
            str(item.actual),
        )
    console.print(table)
    console.print(f"[red]{len(mismatches)} of {compared} figures differ[/red]")
    raise typer.Exit(code=1)


if __name__ == "__main__":
    typer.run(main)
