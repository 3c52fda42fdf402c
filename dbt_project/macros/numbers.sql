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
