{#- Yearly output grid: every dealer x every calendar year touched by the monthly grid. -#}

with months as (

    select dealer_code, period_year, data_end_date
    from {{ ref('int_dealer_months_spined') }}

)

select
    dealer_code,
    period_year,
    {{ month_start_from_index('period_year * 12') }} as year_start,
    cast(period_year as {{ dbt.type_string() }}) as period_label,
    max(data_end_date) as data_end_date
from months
group by dealer_code, period_year
