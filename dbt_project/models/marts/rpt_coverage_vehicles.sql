{#- Every VIN in a dealer-month coverage denominator, with whether it is in the
    numerator and why. -#}

with vehicles as (

    select *
    from {{ ref('int_vehicle_months_coverage_evaluated') }}

),

months as (

    select distinct month_index, month_start, period_label
    from {{ ref('int_dealer_months_spined') }}

),

dealers as (

    select dealer_code, region
    from {{ ref('dim_dealers') }}

),

periods as (

    {#- the label the dashboards filter on: "(暂定) <period>" while the period is provisional #}
    select distinct period_label, period_choice
    from {{ ref('rpt_regional_rankings') }}
    where period_grain = 'month'

),

flag_labels as (

    select code, label_zh
    from {{ ref('ui_labels') }}
    where domain = 'flag'

)

select
    vehicles.dealer_code,
    dealers.region,
    months.period_label,
    months.month_start as period_start,
    vehicles.vin,
    vehicles.invoice_date,
    vehicles.last_visit_date,
    vehicles.last_own_visit_date,
    vehicles.in_numerator,
    flag_labels.label_zh as in_numerator_zh,
    coalesce(periods.period_choice, months.period_label) as view_choice,
    vehicles.in_numerator_own,
    vehicles.reason
from vehicles
inner join months
    on vehicles.month_index = months.month_index
left join dealers
    on vehicles.dealer_code = dealers.dealer_code
left join periods
    on months.period_label = periods.period_label
left join flag_labels
    on flag_labels.code = case when vehicles.in_numerator then 'true' else 'false' end
