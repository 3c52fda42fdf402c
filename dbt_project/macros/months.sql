{#- Whole-calendar-month arithmetic (docs/kpis.md, "Months"). A month is identified by
    its index year * 12 + (month - 1); "E - n months" is then index - n. -#}

{% macro month_index(date_expr) -%}
    cast(extract(year from {{ date_expr }}) * 12 + extract(month from {{ date_expr }}) - 1 as integer)
{%- endmacro %}

{% macro month_index_from_label(label_expr) -%}
    {#- 'YYYY-MM' period label (file period) to month index -#}
    cast(cast(substring({{ label_expr }}, 1, 4) as integer) * 12 + cast(substring({{ label_expr }}, 6, 2) as integer) - 1 as integer)
{%- endmacro %}

{% macro month_start_from_index(index_expr) -%}
    {#- first day of the month with this index; portable via dateadd from 2000-01-01 (index 24000) -#}
    cast({{ dbt.dateadd('month', '(' ~ index_expr ~ ') - 24000', "cast('2000-01-01' as date)") }} as date)
{%- endmacro %}

{% macro month_end_from_index(index_expr) -%}
    cast({{ dbt.dateadd('day', '-1', month_start_from_index('(' ~ index_expr ~ ') + 1')) }} as date)
{%- endmacro %}

{% macro add_months_clamped(date_expr, months_expr) -%}
    {{ return(adapter.dispatch('add_months_clamped')(date_expr, months_expr)) }}
{%- endmacro %}

{% macro default__add_months_clamped(date_expr, months_expr) -%}
    {#- Postgres, Snowflake and BigQuery clamp the day to the target month's last day -#}
    cast({{ dbt.dateadd('month', months_expr, date_expr) }} as date)
{%- endmacro %}

{% macro duckdb__add_months_clamped(date_expr, months_expr) -%}
    {#- DuckDB: date + to_months(n) clamps (2024-08-31 + 6 months = 2025-02-28) -#}
    cast(({{ date_expr }}) + to_months(cast({{ months_expr }} as integer)) as date)
{%- endmacro %}

{% macro add_days(date_expr, days_expr) -%}
    cast({{ dbt.dateadd('day', days_expr, date_expr) }} as date)
{%- endmacro %}

{% macro period_label_from_index(index_expr) -%}
    {{ return(adapter.dispatch('period_label_from_index')(index_expr)) }}
{%- endmacro %}

{% macro default__period_label_from_index(index_expr) -%}
    to_char({{ month_start_from_index(index_expr) }}, 'YYYY-MM')
{%- endmacro %}

{% macro duckdb__period_label_from_index(index_expr) -%}
    strftime({{ month_start_from_index(index_expr) }}, '%Y-%m')
{%- endmacro %}
