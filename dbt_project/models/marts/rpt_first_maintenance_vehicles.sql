{#- Every VIN in a dealer-year first-maintenance cohort (years of the output grid),
    with whether it is in the numerator and why. -#}
{%- set period_label = 'cast(vehicles.cohort_year as ' ~ dbt.type_string() ~ ')' %}

with vehicles as (

    select *
    from {{ ref('int_vehicles_first_maintenance_evaluated') }}

),

years as (

    select distinct period_year
    from {{ ref('int_dealer_years_spined') }}

),

{{ vehicle_report_label_ctes('year') }}

select
    vehicles.home_dealer_code as dealer_code,
    dealers.region,
    {{ period_label }} as period_label,
    vehicles.vin,
    vehicles.model_code,
    vehicles.invoice_date,
    vehicles.due_date,
    vehicles.deadline_date,
    vehicles.km_limit,
    vehicles.event_source,
    vehicles.event_dealer_code,
    vehicles.event_document_no,
    vehicles.event_date,
    vehicles.event_odometer_km,
    vehicles.has_repeated_event,
    {{ vehicle_report_flag_columns(period_label) }},
    vehicles.reason
from vehicles
inner join years
    on vehicles.cohort_year = years.period_year
{{ join_vehicle_report_labels('home_dealer_code', period_label) }}
