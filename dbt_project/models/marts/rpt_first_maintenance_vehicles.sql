{#- Every VIN in a dealer-year first-maintenance cohort (years of the output grid),
    with whether it is in the numerator and why. -#}

with vehicles as (

    select *
    from {{ ref('int_vehicles_first_maintenance_evaluated') }}

),

years as (

    select distinct period_year
    from {{ ref('int_dealer_years_spined') }}

),

dealers as (

    select dealer_code, region
    from {{ ref('dim_dealers') }}

),

periods as (

    {#- the label the dashboards filter on: "(暂定) <period>" while the period is provisional #}
    select distinct period_label, period_choice
    from {{ ref('rpt_regional_rankings') }}
    where period_grain = 'year'

),

flag_labels as (

    select code, label_zh
    from {{ ref('ui_labels') }}
    where domain = 'flag'

)

select
    vehicles.home_dealer_code as dealer_code,
    dealers.region,
    cast(vehicles.cohort_year as {{ dbt.type_string() }}) as period_label,
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
    vehicles.in_numerator,
    flag_labels.label_zh as in_numerator_zh,
    coalesce(periods.period_choice, cast(vehicles.cohort_year as {{ dbt.type_string() }})) as view_choice,
    vehicles.reason
from vehicles
inner join years
    on vehicles.cohort_year = years.period_year
left join dealers
    on vehicles.home_dealer_code = dealers.dealer_code
left join periods
    on cast(vehicles.cohort_year as {{ dbt.type_string() }}) = periods.period_label
left join flag_labels
    on flag_labels.code = case when vehicles.in_numerator then 'true' else 'false' end
