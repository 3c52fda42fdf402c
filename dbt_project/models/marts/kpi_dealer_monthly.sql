{#- One row per dealer x month x KPI over the full output grid (every dealer of the
    master x every month with data). Rates keep numerator and denominator; a
    denominator of 0 gives a NULL value; low_sample when the sample is below min_sample.
    A month's warranty registration rate is provisional while the data ends before the
    month's last registration deadline (kpis.md, PR8). -#}

with grid as (

    select dealer_code, month_index, month_start, period_label, data_end_date
    from {{ ref('int_dealer_months_spined') }}

),

catalog as (

    select kpi_code, measure_type
    from {{ ref('kpi_catalog') }}
    where grain in ('month', 'month_and_year')

),

facts as (

    select dealer_code, month_index, kpi_code, numerator, denominator, sample_size, cast(null as date) as last_deadline_date
    from {{ ref('int_dealer_months_coverage_aggregated') }}
    union all
    select dealer_code, month_index, kpi_code, numerator, denominator, sample_size, cast(null as date) as last_deadline_date
    from {{ ref('int_dealer_months_service_kpis_aggregated') }}
    union all
    select dealer_code, month_index, kpi_code, numerator, denominator, sample_size, cast(null as date) as last_deadline_date
    from {{ ref('int_dealer_months_customer_kpis_aggregated') }}
    union all
    select dealer_code, month_index, kpi_code, numerator, denominator, sample_size, cast(null as date) as last_deadline_date
    from {{ ref('int_dealer_months_churn_aggregated') }}
    union all
    select dealer_code, period_index as month_index, kpi_code, numerator, denominator, sample_size, last_deadline_date
    from {{ ref('int_dealer_periods_warranty_registration_aggregated') }}
    where period_grain = 'month'

),

joined as (

    select
        grid.dealer_code,
        grid.month_start,
        grid.period_label,
        catalog.kpi_code,
        catalog.measure_type,
        cast(coalesce(facts.numerator, 0) as {{ type_double() }}) as numerator,
        case
            when catalog.measure_type = 'ratio' then cast(coalesce(facts.denominator, 0) as {{ type_double() }})
        end as denominator,
        coalesce(facts.sample_size, 0) as sample_size,
        grid.data_end_date,
        facts.last_deadline_date
    from grid
    cross join catalog
    left join facts
        on grid.dealer_code = facts.dealer_code
        and grid.month_index = facts.month_index
        and catalog.kpi_code = facts.kpi_code

)

select
    dealer_code,
    'month' as period_grain,
    month_start as period_start,
    period_label,
    kpi_code,
    numerator,
    denominator,
    case
        when measure_type = 'count' then numerator
        else {{ safe_divide('numerator', 'denominator') }}
    end as value,
    case
        when measure_type = 'count' then false
        else sample_size < {{ var('min_sample') }}
    end as low_sample,
    coalesce(data_end_date < last_deadline_date, false) as is_provisional
from joined
