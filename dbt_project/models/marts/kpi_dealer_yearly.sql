{#- One row per dealer x calendar year x KPI (first_maintenance by cohort year of the
    due date, warranty_registration by invoice year). A first-maintenance year Y is
    provisional while the data ends before (Y+1)-01-31; a warranty-registration year while
    the data ends before the year's last registration deadline (kpis.md, PR8). -#}

with grid as (

    select dealer_code, period_year, year_start, period_label, data_end_date
    from {{ ref('int_dealer_years_spined') }}

),

facts as (

    {{ kpi_period_facts('year', 'period_year', ['int_dealer_years_first_maintenance_aggregated']) }}

),

joined as (

    {{ kpi_grid_joined('period_year', ['year', 'month_and_year']) }}

)

select
    dealer_code,
    'year' as period_grain,
    year_start as period_start,
    period_label,
    kpi_code,
    {{ kpi_figure_columns() }},
    (
        (
            kpi_code = 'first_maintenance'
            and data_end_date < {{ add_days(month_start_from_index('(period_year + 1) * 12'), 30) }}
        )
        or coalesce(data_end_date < last_deadline_date, false)
    ) as is_provisional
from joined
