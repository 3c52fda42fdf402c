{#- Warranty registration rate per home dealer by invoice month and invoice year, with the
    period's last possible deadline (the latest deadline of its denominator VINs): the figure
    is provisional while the data ends before it. -#}

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
    count(*) as sample_size,
    max(deadline_date) as last_deadline_date
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
    count(*) as sample_size,
    max(deadline_date) as last_deadline_date
from vehicles
group by home_dealer_code, invoice_year
