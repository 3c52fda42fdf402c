{#- The per-VIN explainability reports (rpt_*_vehicles, from a CTE `vehicles` with an
    in_numerator flag): each row's dealer region, the label the dashboards filter its
    period on and the label of its numerator flag. -#}

{% macro vehicle_report_label_ctes(period_grain) -%}
periods as (

    {#- the label the dashboards filter on: "(暂定) <period>" while the period is provisional #}
    select distinct period_label, period_choice
    from {{ ref('rpt_regional_rankings') }}
    where period_grain = '{{ period_grain }}'

),

flag_labels as (

    select code, label_zh
    from {{ ref('ui_labels') }}
    where domain = 'flag'

)
{%- endmacro %}

{% macro vehicle_report_flag_columns(period_label_expr) -%}
    vehicles.in_numerator,
    flag_labels.label_zh as in_numerator_zh,
    coalesce(periods.period_choice, {{ period_label_expr }}) as view_choice
{%- endmacro %}

{% macro join_vehicle_report_labels(dealer_column, period_label_expr) -%}
{{ join_dealer('vehicles', dealer_column) }}
left join periods
    on {{ period_label_expr }} = periods.period_label
left join flag_labels
    on flag_labels.code = case when vehicles.in_numerator then 'true' else 'false' end
{%- endmacro %}
