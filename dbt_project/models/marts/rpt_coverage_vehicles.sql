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

{{ vehicle_report_label_ctes('month') }}

select
    vehicles.dealer_code,
    dealers.region,
    months.period_label,
    months.month_start as period_start,
    vehicles.vin,
    vehicles.invoice_date,
    vehicles.last_visit_date,
    vehicles.last_own_visit_date,
    {{ vehicle_report_flag_columns('months.period_label') }},
    vehicles.in_numerator_own,
    vehicles.reason
from vehicles
inner join months
    on vehicles.month_index = months.month_index
{{ join_vehicle_report_labels('dealer_code', 'months.period_label') }}
