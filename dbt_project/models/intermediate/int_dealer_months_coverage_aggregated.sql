{#- coverage and coverage_own per home dealer x month (long form). -#}

with vehicles as (

    select *
    from {{ ref('int_vehicle_months_coverage_evaluated') }}

)

select
    dealer_code,
    month_index,
    'coverage' as kpi_code,
    sum(case when in_numerator then 1 else 0 end) as numerator,
    count(*) as denominator,
    count(*) as sample_size
from vehicles
group by dealer_code, month_index

union all

select
    dealer_code,
    month_index,
    'coverage_own' as kpi_code,
    sum(case when in_numerator_own then 1 else 0 end) as numerator,
    count(*) as denominator,
    count(*) as sample_size
from vehicles
group by dealer_code, month_index
