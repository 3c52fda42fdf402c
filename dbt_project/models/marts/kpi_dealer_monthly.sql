{#- One row per dealer x month x KPI over the full output grid (every dealer of the
    master x every month with data). Rates keep numerator and denominator; a
    denominator of 0 gives a NULL value; low_sample when the sample is below min_sample.
    A month's warranty registration rate is provisional while the data ends before the
    month's last registration deadline (kpis.md, PR8). -#}

with grid as (

    select dealer_code, month_index, month_start, period_label, data_end_date
    from {{ ref('int_dealer_months_spined') }}

),

facts as (

    {{ kpi_period_facts('month', 'month_index', [
        'int_dealer_months_coverage_aggregated',
        'int_dealer_months_service_kpis_aggregated',
        'int_dealer_months_customer_kpis_aggregated',
        'int_dealer_months_churn_aggregated',
    ]) }}

),

joined as (

    {{ kpi_grid_joined('month_index', ['month', 'month_and_year']) }}

)

select
    dealer_code,
    'month' as period_grain,
    month_start as period_start,
    period_label,
    kpi_code,
    {{ kpi_figure_columns() }},
    coalesce(data_end_date < last_deadline_date, false) as is_provisional
from joined
