{#- First-maintenance rate per home dealer x cohort year (year of the due date). -#}

select
    home_dealer_code as dealer_code,
    cohort_year as period_year,
    'first_maintenance' as kpi_code,
    sum(case when in_numerator then 1 else 0 end) as numerator,
    count(*) as denominator,
    count(*) as sample_size
from {{ ref('int_vehicles_first_maintenance_evaluated') }}
group by home_dealer_code, cohort_year
