{#- Text shown to users for a KPI figure, by the catalogue's unit: shares and rates as a
    percentage with one decimal, CNY with a yen sign and thousands separators, counts with
    thousands separators, scores and throughputs with one decimal. NULL stays NULL. -#}

{% macro format_kpi_value(value_expr, unit_expr) -%}
    {#- one definition for every adapter: the number text comes from fixed_text / grouped_text -#}
    case
        when {{ value_expr }} is null then null
        when {{ unit_expr }} in ('share', 'cases_per_ro') then {{ fixed_text('100 * (' ~ value_expr ~ ')', 1) }} || '%'
        when {{ unit_expr }} = 'CNY' then '¥' || {{ grouped_text(value_expr, 0) }}
        when {{ unit_expr }} = 'count' then {{ grouped_text(value_expr, 0) }}
        else {{ fixed_text(value_expr, 1) }}
    end
{%- endmacro %}

{#- The change between two periods in the unit's terms: percentage points for shares. A change
    below 1e-9 in magnitude is no change (+): the figures are floating-point aggregates, and
    the same figure summed in another row order may differ in the last bits. -#}
{% macro format_kpi_change(change_expr, unit_expr) -%}
    {%- set magnitude = 'abs(' ~ change_expr ~ ')' -%}
    case
        when {{ change_expr }} is null then null
        else (case when {{ change_expr }} < -1e-9 then '-' else '+' end) || case
            when {{ unit_expr }} in ('share', 'cases_per_ro') then {{ fixed_text('100 * ' ~ magnitude, 1) }} || ' 个百分点'
            when {{ unit_expr }} = 'CNY' then '¥' || {{ grouped_text(magnitude, 0) }}
            when {{ unit_expr }} = 'count' then {{ fixed_text(magnitude, 0) }}
            else {{ fixed_text(magnitude, 1) }}
        end
    end
{%- endmacro %}

{#- The value on a chart axis: shares in percent (0-100), other units as they are. -#}
{% macro chart_value(value_expr, unit_expr) -%}
    case when {{ unit_expr }} in ('share', 'cases_per_ro') then 100 * {{ value_expr }} else {{ value_expr }} end
{%- endmacro %}
