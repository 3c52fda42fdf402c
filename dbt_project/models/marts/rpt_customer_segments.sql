{#- Customer segments of each dealer as of the last month of the data (E = its last
    day). A dealer's customers: VINs it sold (home dealer) or serviced in the last 24
    months. Age by whole calendar months since invoice, use from use_type, value class
    from trailing-12-month customer-paid revenue at the dealer (A top 20 % by count,
    B next 30 %, C other paying, D no paid revenue). -#}

with as_of as (

    select
        max(month_index) as month_index,
        max(month_end) as as_of_date,
        max(period_label) as period_label
    from {{ ref('int_dealer_months_spined') }}

),

visits as (

    select *
    from {{ ref('int_service_visits_qualified') }}

),

base as (

    select vin, home_dealer_code, invoice_date, invoice_month_index, use_type
    from {{ ref('int_vehicle_sales_base_deduplicated') }}

),

customers as (

    select visits.dealer_code, visits.vin
    from visits
    cross join as_of
    where visits.settled_month_index between as_of.month_index - 23 and as_of.month_index
    union
    select base.home_dealer_code as dealer_code, base.vin
    from base

),

revenue as (

    select
        visits.dealer_code,
        visits.vin,
        sum(visits.total_amount - coalesce(visits.uncollected_amount, 0)) as revenue
    from visits
    cross join as_of
    where visits.bearer = 'customer'
      and visits.settled_month_index between as_of.month_index - 11 and as_of.month_index
    group by visits.dealer_code, visits.vin

),

ranked as (

    select
        customers.dealer_code,
        customers.vin,
        coalesce(revenue.revenue, 0) as trailing_12m_customer_revenue,
        row_number() over (
            partition by customers.dealer_code
            order by coalesce(revenue.revenue, 0) desc, customers.vin
        ) as revenue_rank,
        count(*) over (partition by customers.dealer_code) as customer_count
    from customers
    left join revenue
        on customers.dealer_code = revenue.dealer_code
        and customers.vin = revenue.vin

),

dealers as (

    select dealer_code, region
    from {{ ref('dim_dealers') }}

)

select
    ranked.dealer_code,
    dealers.region,
    as_of.period_label,
    as_of.as_of_date,
    ranked.vin,
    as_of.month_index - base.invoice_month_index as vehicle_age_months,
    case
        when base.invoice_month_index is null then 'unknown'
        when as_of.month_index - base.invoice_month_index < 36 then 'in_warranty'
        when as_of.month_index - base.invoice_month_index < 60 then 'age_2_5'
        else 'age_5_plus'
    end as age_segment,
    coalesce(base.use_type, 'unknown') as use_segment,
    ranked.trailing_12m_customer_revenue,
    ranked.revenue_rank,
    ranked.customer_count,
    case
        when ranked.trailing_12m_customer_revenue <= 0 then 'D'
        when ranked.revenue_rank <= ceil({{ var('value_class_a_share') }} * ranked.customer_count) then 'A'
        when ranked.revenue_rank <= ceil({{ var('value_class_a_share') + var('value_class_b_share') }} * ranked.customer_count) then 'B'
        else 'C'
    end as value_class
from ranked
cross join as_of
left join base
    on ranked.vin = base.vin
left join dealers
    on ranked.dealer_code = dealers.dealer_code
