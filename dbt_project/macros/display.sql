{#- Text shown to users for a KPI figure, by the catalogue's unit: shares and rates as a
    percentage with one decimal, CNY with a yen sign and thousands separators, counts with
    thousands separators, scores and throughputs with one decimal. NULL stays NULL. -#}

{% macro format_kpi_value(value_expr, unit_expr) -%}
    {{ return(adapter.dispatch('format_kpi_value')(value_expr, unit_expr)) }}
{%- endmacro %}

{% macro default__format_kpi_value(value_expr, unit_expr) -%}
    case
        when {{ value_expr }} is null then null
        when {{ unit_expr }} in ('share', 'cases_per_ro') then printf('%.1f%%', 100 * {{ value_expr }})
        when {{ unit_expr }} = 'CNY' then '¥' || format('{:,}', cast(round({{ value_expr }}) as bigint))
        when {{ unit_expr }} = 'count' then format('{:,}', cast(round({{ value_expr }}) as bigint))
        else printf('%.1f', {{ value_expr }})
    end
{%- endmacro %}

{% macro postgres__format_kpi_value(value_expr, unit_expr) -%}
    case
        when {{ value_expr }} is null then null
        when {{ unit_expr }} in ('share', 'cases_per_ro') then to_char(100 * {{ value_expr }}, 'FM999990.0') || '%'
        when {{ unit_expr }} = 'CNY' then '¥' || to_char(round({{ value_expr }}), 'FM999,999,999,990')
        when {{ unit_expr }} = 'count' then to_char(round({{ value_expr }}), 'FM999,999,999,990')
        else to_char({{ value_expr }}, 'FM999999990.0')
    end
{%- endmacro %}

{#- The change between two periods in the unit's terms: percentage points for shares. -#}
{% macro format_kpi_change(change_expr, unit_expr) -%}
    {{ return(adapter.dispatch('format_kpi_change')(change_expr, unit_expr)) }}
{%- endmacro %}

{% macro default__format_kpi_change(change_expr, unit_expr) -%}
    case
        when {{ change_expr }} is null then null
        when {{ unit_expr }} in ('share', 'cases_per_ro') then printf('%+.1f 个百分点', 100 * {{ change_expr }})
        when {{ unit_expr }} = 'CNY' then (case when {{ change_expr }} < 0 then '-¥' else '+¥' end) || format('{:,}', cast(round(abs({{ change_expr }})) as bigint))
        when {{ unit_expr }} = 'count' then printf('%+d', cast(round({{ change_expr }}) as bigint))
        else printf('%+.1f', {{ change_expr }})
    end
{%- endmacro %}

{% macro postgres__format_kpi_change(change_expr, unit_expr) -%}
    case
        when {{ change_expr }} is null then null
        when {{ unit_expr }} in ('share', 'cases_per_ro') then to_char(100 * {{ change_expr }}, 'SG999990.0') || ' 个百分点'
        when {{ unit_expr }} = 'CNY' then (case when {{ change_expr }} < 0 then '-¥' else '+¥' end) || to_char(round(abs({{ change_expr }})), 'FM999,999,999,990')
        else to_char({{ change_expr }}, 'SG999999990.0')
    end
{%- endmacro %}

{#- The value on a chart axis: shares in percent (0-100), other units as they are. -#}
{% macro chart_value(value_expr, unit_expr) -%}
    case when {{ unit_expr }} in ('share', 'cases_per_ro') then 100 * {{ value_expr }} else {{ value_expr }} end
{%- endmacro %}
