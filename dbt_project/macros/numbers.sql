{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}

{% macro duckdb__type_double() -%}double{%- endmacro %}

{% macro safe_divide(numerator, denominator) -%}
    {#- a denominator of 0 (or NULL) gives NULL, never 0 -#}
    (cast({{ numerator }} as {{ type_double() }}) / nullif(cast({{ denominator }} as {{ type_double() }}), 0))
{%- endmacro %}

{% macro median_of(expression) -%}
    {{ return(adapter.dispatch('median_of')(expression)) }}
{%- endmacro %}

{% macro default__median_of(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median_of(expression) -%}
    median({{ expression }})
{%- endmacro %}

{% macro integers_below(n) -%}
    {#- a relation of integers 0 .. n-1 (n a power of 10 up to 10000) without recursive SQL -#}
    {%- set digits = "(select 0 as d union all select 1 union all select 2 union all select 3 union all select 4 union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)" -%}
    {%- set width = (n | string | length) - 1 -%}
    select
        {% for i in range(width) %}{{ 'd' ~ i }}.d * {{ 10 ** i }}{{ ' + ' if not loop.last }}{% endfor %} as n
    from
        {% for i in range(width) %}{{ digits }} as {{ 'd' ~ i }}{{ ',' if not loop.last }}
        {% endfor %}
{%- endmacro %}

{% macro quantile_of(expression, fraction) -%}
    {#- continuous quantile (linear interpolation), e.g. quantile_of('csi', 0.25) -#}
    {{ return(adapter.dispatch('quantile_of')(expression, fraction)) }}
{%- endmacro %}

{% macro default__quantile_of(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__quantile_of(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro fixed_text(expression, decimals) -%}
    {#- a number as text with a fixed number of decimals, no grouping: 1234.5 -> '1234.50' -#}
    {{ return(adapter.dispatch('fixed_text')(expression, decimals)) }}
{%- endmacro %}

{% macro default__fixed_text(expression, decimals) -%}
    to_char(round(cast({{ expression }} as numeric), {{ decimals }}), 'FM99999999999999990{{ "." ~ "0" * decimals if decimals > 0 else "" }}')
{%- endmacro %}

{% macro duckdb__fixed_text(expression, decimals) -%}
    format('{:.{{ decimals }}f}', round(cast({{ expression }} as decimal(38, 9)), {{ decimals }}))
{%- endmacro %}

{% macro grouped_text(expression, decimals=0) -%}
    {#- a number as text with thousands separators: 1234567 -> '1,234,567' -#}
    {{ return(adapter.dispatch('grouped_text')(expression, decimals)) }}
{%- endmacro %}

{% macro default__grouped_text(expression, decimals=0) -%}
    to_char(round(cast({{ expression }} as numeric), {{ decimals }}), 'FM999,999,999,999,999,990{{ "." ~ "0" * decimals if decimals > 0 else "" }}')
{%- endmacro %}

{% macro duckdb__grouped_text(expression, decimals=0) -%}
    format('{:,.{{ decimals }}f}', round(cast({{ expression }} as decimal(38, 9)), {{ decimals }}))
{%- endmacro %}
