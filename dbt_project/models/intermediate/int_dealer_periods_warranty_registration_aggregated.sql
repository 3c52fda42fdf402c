{#- Warranty registration rate per home dealer by invoice month and invoice year. -#}

with vehicles as (

    select *
    from {{ ref('int_warranty_registrations_matched') }}

)

select
    home_dealer_code as dealer_code,
    'month' as period_grain,
    invoice_month_index as period_index,
    'warranty_registration' as kpi_code,
    sum(case when in_numerator then 1 else 0 end) as numerator,
    count(*) as denominator,
    count(*) as sample_size
from vehicles
group by home_dealer_code, invoice_month_index

union all

select
    home_dealer_code as dealer_code,
    'year' as period_grain,
    invoice_year as period_index,
    'warranty_registration' as kpi_code,
    sum(case when in_numerator then 1 else 0 end) as numerator,
    count(*) as denominator,
    count(*) as sample_size
from vehicles
group by home_dealer_code, invoice_year
