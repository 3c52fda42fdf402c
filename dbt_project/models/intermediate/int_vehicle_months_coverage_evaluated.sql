{#- Service coverage per VIN and month M of the grid: the VIN is in its home dealer's
    denominator when invoiced in months M-(coverage_max_age_months-1) .. M-coverage_min_age_months,
    and in the numerator when it has a qualifying visit at any dealer settled in months
    M-(coverage_lookback_months-1) .. M (own variant: at its home dealer, rolled up). -#}
{%- set oldest = var('coverage_max_age_months') - 1 -%}
{%- set youngest = var('coverage_min_age_months') -%}
{%- set lookback = var('coverage_lookback_months') - 1 -%}

with base as (

    select vin, home_dealer_code, invoice_date, invoice_month_index
    from {{ ref('int_vehicle_sales_base_deduplicated') }}

),

months as (

    select distinct month_index
    from {{ ref('int_dealer_months_spined') }}

),

visits as (

    select vin, rolled_up_dealer_code, settled_date, settled_month_index
    from {{ ref('int_service_visits_qualified') }}

),

denominator as (

    select
        base.home_dealer_code,
        months.month_index,
        base.vin,
        base.invoice_date
    from base
    inner join months
        on base.invoice_month_index between months.month_index - {{ oldest }} and months.month_index - {{ youngest }}

),

matched as (

    select
        denominator.home_dealer_code,
        denominator.month_index,
        denominator.vin,
        denominator.invoice_date,
        max(visits.settled_date) as last_visit_date,
        max(case when visits.rolled_up_dealer_code = denominator.home_dealer_code then visits.settled_date end) as last_own_visit_date
    from denominator
    left join visits
        on visits.vin = denominator.vin
        and visits.settled_month_index between denominator.month_index - {{ lookback }} and denominator.month_index
    group by
        denominator.home_dealer_code,
        denominator.month_index,
        denominator.vin,
        denominator.invoice_date

)

select
    home_dealer_code as dealer_code,
    month_index,
    vin,
    invoice_date,
    last_visit_date,
    last_own_visit_date,
    last_visit_date is not null as in_numerator,
    last_own_visit_date is not null as in_numerator_own,
    case
        when last_own_visit_date is not null
            then {{ dbt.concat(["cast(last_own_visit_date as " ~ dbt.type_string() ~ ")", "' 在本店进厂'"]) }}
        when last_visit_date is not null
            then {{ dbt.concat(["cast(last_visit_date as " ~ dbt.type_string() ~ ")", "' 在其他经销商进厂'"]) }}
        else '近 {{ var('coverage_lookback_months') }} 个月无进厂'
    end as reason
from matched
