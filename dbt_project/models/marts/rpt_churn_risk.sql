{#- As of the last month of the data: per dealer, the VINs whose last qualifying visit
    at the dealer was 12-23 whole months ago (churned, 流失) or 6-11 months ago
    (at risk). -#}

with as_of as (

    select
        max(month_index) as month_index,
        max(period_label) as period_label
    from {{ ref('int_dealer_months_spined') }}

),

last_visits as (

    select
        visits.dealer_code,
        visits.vin,
        max(visits.settled_date) as last_visit_date,
        max(visits.settled_month_index) as last_visit_month_index,
        count(distinct visits.ro_no) as visit_count
    from {{ ref('int_service_visits_qualified') }} as visits
    cross join as_of
    where visits.settled_month_index <= as_of.month_index
    group by visits.dealer_code, visits.vin

),

classified as (

    select
        last_visits.*,
        as_of.period_label,
        as_of.month_index - last_visits.last_visit_month_index as months_since_last_visit
    from last_visits
    cross join as_of

),

dealers as (

    select dealer_code, region
    from {{ ref('dim_dealers') }}

)

select
    classified.dealer_code,
    dealers.region,
    classified.period_label,
    classified.vin,
    classified.last_visit_date,
    classified.months_since_last_visit,
    classified.visit_count,
    case
        when classified.months_since_last_visit >= {{ var('churn_months') }} then 'churned'
        else 'at_risk'
    end as risk_status
from classified
left join dealers
    on classified.dealer_code = dealers.dealer_code
where classified.months_since_last_visit between {{ var('at_risk_months') }} and {{ var('churn_base_months') - 1 }}
