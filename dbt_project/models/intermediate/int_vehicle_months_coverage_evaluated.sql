{#- Service coverage per VIN and month M of the grid: the VIN is in its home dealer's
    denominator when invoiced in months M-(coverage_max_age_months-1) .. M-coverage_min_age_months,
    and in the numerator when it has a qualifying visit at any dealer settled in months
    M-(coverage_lookback_months-1) .. M (own variant: at its home dealer, rolled up).

    The latest visit in that window is the VIN's latest visit month v up to M when
    M - v < coverage_lookback_months: each visit month (next visit month n) is "the latest
    visit" for months v .. min(v+coverage_lookback_months-1, n-1). Those months are listed
    per visit month and joined to the denominator on (VIN, month), instead of joining each
    denominator row to every visit of the VIN and filtering by the window. -#}
{%- set oldest = var('coverage_max_age_months') - 1 -%}
{%- set youngest = var('coverage_min_age_months') -%}
{%- set lookback = var('coverage_lookback_months') - 1 -%}
{%- if lookback >= 100 -%}
    {{ exceptions.raise_compiler_error("coverage_lookback_months must be below 101") }}
{%- endif -%}

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

offsets as (

    {{ integers_below(100) }}

),

visit_months as (

    select vin, settled_month_index as visit_month, max(settled_date) as last_visit_date
    from visits
    group by vin, settled_month_index

),

own_visit_months as (

    select visits.vin, visits.settled_month_index as visit_month, max(visits.settled_date) as last_visit_date
    from visits
    inner join base
        on visits.vin = base.vin
        and visits.rolled_up_dealer_code = base.home_dealer_code
    group by visits.vin, visits.settled_month_index

),

{%- for kind in ['any', 'own'] %}

latest_{{ kind }}_spans as (

    select
        vin,
        visit_month,
        last_visit_date,
        lead(visit_month) over (partition by vin order by visit_month) as next_visit_month
    from {{ 'visit_months' if kind == 'any' else 'own_visit_months' }}

),

latest_{{ kind }}_visit as (

    select
        spans.vin,
        spans.visit_month + offsets.n as month_index,
        spans.last_visit_date
    from latest_{{ kind }}_spans as spans
    inner join offsets
        on offsets.n <= {{ lookback }}
        and (spans.next_visit_month is null or spans.visit_month + offsets.n < spans.next_visit_month)

),
{%- endfor %}

matched as (

    select
        denominator.home_dealer_code,
        denominator.month_index,
        denominator.vin,
        denominator.invoice_date,
        latest_any_visit.last_visit_date,
        latest_own_visit.last_visit_date as last_own_visit_date
    from denominator
    left join latest_any_visit
        on denominator.vin = latest_any_visit.vin
        and denominator.month_index = latest_any_visit.month_index
    left join latest_own_visit
        on denominator.vin = latest_own_visit.vin
        and denominator.month_index = latest_own_visit.month_index

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
