{#- Churn per dealer x month M: VINs whose qualifying visits at the dealer include one in
    months M-(churn_base_months-1) .. M-churn_months and none in M-(churn_months-1) .. M,
    over VINs with a visit at the dealer in the earlier window. -#}
{%- set recent = var('churn_months') - 1 -%}
{%- set oldest = var('churn_base_months') - 1 -%}

with visit_months as (

    select distinct dealer_code, vin, settled_month_index
    from {{ ref('int_service_visits_qualified') }}

),

months as (

    select distinct month_index
    from {{ ref('int_dealer_months_spined') }}

),

windows as (

    select
        visit_months.dealer_code,
        months.month_index,
        visit_months.vin,
        max(case when visit_months.settled_month_index < months.month_index - {{ recent }} then 1 else 0 end) as visited_in_base_window,
        max(case when visit_months.settled_month_index >= months.month_index - {{ recent }} then 1 else 0 end) as visited_since
    from visit_months
    inner join months
        on visit_months.settled_month_index between months.month_index - {{ oldest }} and months.month_index
    group by visit_months.dealer_code, months.month_index, visit_months.vin

)

select
    dealer_code,
    month_index,
    'churn' as kpi_code,
    sum(case when visited_in_base_window = 1 and visited_since = 0 then 1 else 0 end) as numerator,
    sum(visited_in_base_window) as denominator,
    sum(visited_in_base_window) as sample_size
from windows
group by dealer_code, month_index
