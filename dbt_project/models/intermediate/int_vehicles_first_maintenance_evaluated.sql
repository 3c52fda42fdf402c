{#- Each sales-base VIN with its first-maintenance due date (invoice_date + fm_months,
    day clamped; per-model policy from the seed fm_model_policy), cohort year (calendar
    year of the due date) and whether its event meets the date and odometer limits. -#}

with base as (

    select vin, home_dealer_code, model_code, invoice_date
    from {{ ref('int_vehicle_sales_base_deduplicated') }}

),

policy as (

    select model_code, fm_months, fm_km
    from {{ ref('fm_model_policy') }}

),

events as (

    select *
    from {{ ref('int_first_maintenance_events_resolved') }}

),

due as (

    select
        base.vin,
        base.home_dealer_code,
        base.model_code,
        base.invoice_date,
        coalesce(policy.fm_months, {{ var('fm_months') }}) as fm_months,
        coalesce(policy.fm_km, {{ var('fm_km') }}) as fm_km,
        {{ add_months_clamped('base.invoice_date', 'coalesce(policy.fm_months, ' ~ var('fm_months') ~ ')') }} as due_date
    from base
    left join policy
        on base.model_code = policy.model_code

),

evaluated as (

    select
        due.*,
        cast(extract(year from due.due_date) as integer) as cohort_year,
        {{ add_days('due.due_date', var('fm_grace_days')) }} as deadline_date,
        cast(due.fm_km as {{ dbt.type_numeric() }}) * (1 + {{ var('fm_km_tolerance') }}) as km_limit,
        events.event_source,
        events.event_dealer_code,
        events.event_document_no,
        events.event_date,
        events.event_odometer_km,
        coalesce(events.has_repeated_event, false) as has_repeated_event
    from due
    left join events
        on due.vin = events.vin

)

select
    vin,
    home_dealer_code,
    model_code,
    invoice_date,
    fm_months,
    fm_km,
    due_date,
    cohort_year,
    deadline_date,
    km_limit,
    event_source,
    event_dealer_code,
    event_document_no,
    event_date,
    event_odometer_km,
    has_repeated_event,
    coalesce(event_date <= deadline_date and event_odometer_km <= km_limit, false) as in_numerator,
    case
        when event_date is null
            then '无首保记录'
        when event_date > deadline_date
            then {{ dbt.concat(["'首保晚 '", "cast(" ~ dbt.datediff('due_date', 'event_date', 'day') ~ " as " ~ dbt.type_string() ~ ")", "' 天（宽限 " ~ var('fm_grace_days') ~ " 天）'"]) }}
        when event_odometer_km is null
            then '首保缺少里程数'
        when event_odometer_km > km_limit
            then {{ dbt.concat(["'首保里程 '", "cast(event_odometer_km as " ~ dbt.type_string() ~ ")", "' 公里，超过 '", "cast(cast(km_limit as " ~ dbt.type_bigint() ~ ") as " ~ dbt.type_string() ~ ")", "' 公里上限'"]) }}
        else {{ dbt.concat(["cast(event_date as " ~ dbt.type_string() ~ ")", "' 在 '", "event_dealer_code", "case when event_source = 'warranty_claim' then ' 首保（索赔）' else ' 首保（工单）' end"]) }}
    end as reason
from evaluated
