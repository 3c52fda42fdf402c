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
    vehicles.in_numerator_own,
    vehicles.reason
from vehicles
inner join months
    on vehicles.month_index = months.month_index
left join dealers
    on vehicles.dealer_code = dealers.dealer_code
