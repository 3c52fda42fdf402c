{#- Every VIN in a warranty-registration denominator (invoice months of the output grid;
    period_label is the invoice month, period_year the invoice year), with whether it is
    in the numerator and why. -#}

with vehicles as (

    select *
    from {{ ref('int_warranty_registrations_matched') }}

),

months as (

    select distinct month_index, period_label
    from {{ ref('int_dealer_months_spined') }}

),

{{ vehicle_report_label_ctes('month') }}

select
    vehicles.home_dealer_code as dealer_code,
    dealers.region,
    months.period_label,
    vehicles.invoice_year as period_year,
    vehicles.vin,
    vehicles.invoice_date,
    vehicles.delivery_date,
    vehicles.deadline_date,
    vehicles.registration_id,
    vehicles.submitted_at,
    vehicles.days_after_reference,
    vehicles.is_registered_by_other_dealer,
    vehicles.other_dealer_code,
    {{ vehicle_report_flag_columns('months.period_label') }},
    vehicles.reason
from vehicles
inner join months
    on vehicles.invoice_month_index = months.month_index
{{ join_vehicle_report_labels('home_dealer_code', 'months.period_label') }}
