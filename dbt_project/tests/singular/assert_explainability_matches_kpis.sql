-- The per-VIN explainability reports must add up to the headline KPIs exactly.
with coverage as (
    select dealer_code, period_label, sum(case when in_numerator then 1 else 0 end) as numerator, count(*) as denominator
    from {{ ref('rpt_coverage_vehicles') }}
    group by dealer_code, period_label
),
first_maintenance as (
    select dealer_code, period_label, sum(case when in_numerator then 1 else 0 end) as numerator, count(*) as denominator
    from {{ ref('rpt_first_maintenance_vehicles') }}
    group by dealer_code, period_label
),
registration as (
    select dealer_code, period_label, sum(case when in_numerator then 1 else 0 end) as numerator, count(*) as denominator
    from {{ ref('rpt_warranty_registration_vehicles') }}
    group by dealer_code, period_label
),
expected as (
    select 'coverage' as kpi_code, 'month' as period_grain, * from coverage
    union all
    select 'first_maintenance', 'year', * from first_maintenance
    union all
    select 'warranty_registration', 'month', * from registration
),
actual as (
    select * from {{ ref('kpi_dealer_monthly') }} where kpi_code in ('coverage', 'warranty_registration')
    union all
    select * from {{ ref('kpi_dealer_yearly') }} where kpi_code = 'first_maintenance'
)
select actual.*, expected.numerator as vin_numerator, expected.denominator as vin_denominator
from actual
left join expected
    on actual.kpi_code = expected.kpi_code
    and actual.period_grain = expected.period_grain
    and actual.dealer_code = expected.dealer_code
    and actual.period_label = expected.period_label
where coalesce(expected.numerator, 0) <> actual.numerator
   or coalesce(expected.denominator, 0) <> actual.denominator
