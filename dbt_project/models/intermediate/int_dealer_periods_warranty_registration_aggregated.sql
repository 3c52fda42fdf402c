{#- Warranty registration rate per home dealer by invoice month and invoice year, with the
    period's last possible deadline (the latest deadline of its denominator VINs): the figure
    is provisional while the data ends before it. -#}

with vehicles as (

    select *
    from {{ ref('int_warranty_registrations_matched') }}

)

{%- for period_grain, period_column in [('month', 'invoice_month_index'), ('year', 'invoice_year')] %}
{{ 'union all' if not loop.first }}
select
    home_dealer_code as dealer_code,
    '{{ period_grain }}' as period_grain,
    {{ period_column }} as period_index,
    'warranty_registration' as kpi_code,
    sum(case when in_numerator then 1 else 0 end) as numerator,
    count(*) as denominator,
    count(*) as sample_size,
    max(deadline_date) as last_deadline_date
from vehicles
group by home_dealer_code, {{ period_column }}
{%- endfor %}
