{#- One row per dealer x calendar year x KPI (first_maintenance by cohort year of the
    due date, warranty_registration by invoice year). A first-maintenance year Y is
    provisional while the data ends before (Y+1)-01-31; a warranty-registration year while
    the data ends before the year's last registration deadline (kpis.md, PR8). -#}

with grid as (

    select dealer_code, period_year, year_start, period_label, data_end_date
    from {{ ref('int_dealer_years_spined') }}

),

catalog as (

    select kpi_code, measure_type
    from {{ ref('kpi_catalog') }}
    where grain in ('year', 'month_and_year')

),

facts as (

    select dealer_code, period_year, kpi_code, numerator, denominator, sample_size, cast(null as date) as last_deadline_date
    from {{ ref('int_dealer_years_first_maintenance_aggregated') }}
    union all
    select dealer_code, period_index as period_year, kpi_code, numerator, denominator, sample_size, last_deadline_date
    from {{ ref('int_dealer_periods_warranty_registration_aggregated') }}
    where period_grain = 'year'

),

joined as (

    select
        grid.dealer_code,
        grid.year_start,
        grid.period_label,
        grid.period_year,
        grid.data_end_date,
        catalog.kpi_code,
        catalog.measure_type,
        cast(coalesce(facts.numerator, 0) as {{ type_double() }}) as numerator,
        case
            when catalog.measure_type = 'ratio' then cast(coalesce(facts.denominator, 0) as {{ type_double() }})
        end as denominator,
        coalesce(facts.sample_size, 0) as sample_size,
        facts.last_deadline_date
    from grid
    cross join catalog
    left join facts
        on grid.dealer_code = facts.dealer_code
        and grid.period_year = facts.period_year
        and catalog.kpi_code = facts.kpi_code

)

select
    dealer_code,
    'year' as period_grain,
    year_start as period_start,
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
    (
        (
            kpi_code = 'first_maintenance'
            and data_end_date < {{ add_days(month_start_from_index('(period_year + 1) * 12'), 30) }}
        )
        or coalesce(data_end_date < last_deadline_date, false)
    ) as is_provisional
from joined
