{#- The lake sources are globs over Parquet files. A feed (or the quarantine) with no
    file at all would make the glob fail, so staging models read their source through
    lake_source(): the source itself when files exist, otherwise an empty relation with
    the same column names (typed by the staging casts). At parse time the source is
    always referenced, so lineage and freshness are unaffected. -#}

{% macro lake_root() -%}
    {{ return(var('lake', env_var('AFTERSALES_LAKE', '../var/lake'))) }}
{%- endmacro %}

{% macro lake_source(table_name, pattern, columns) -%}
    {%- if execute and not lake_files_exist(pattern, table_name) -%}
        {{ log("lake: no files match " ~ pattern ~ "; " ~ table_name ~ " is empty", info=true) }}
        (
            select
                {% for column in columns -%}
                cast(null as {{ dbt.type_string() }}) as {{ column }}{{ ',' if not loop.last }}
                {% endfor %}
            where 1 = 0
        ) as empty_{{ table_name }}
    {%- else -%}
        {{ source('lake', table_name) }}
    {%- endif -%}
{%- endmacro %}

{% macro lake_files_exist(pattern, table_name) -%}
    {{ return(adapter.dispatch('lake_files_exist')(pattern, table_name)) }}
{%- endmacro %}

{% macro duckdb__lake_files_exist(pattern, table_name) -%}
    {%- set query = "select count(*) from glob('" ~ lake_root() ~ "/" ~ pattern ~ "')" -%}
    {%- set result = run_query(query) -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{%- endmacro %}

{% macro default__lake_files_exist(pattern, table_name) -%}
    {#- engines that load the lake into tables first (warehouse/postgres.py): a source with
        no file has no table -#}
    {%- set source_relation = source('lake', table_name) -%}
    {%- set loaded = adapter.get_relation(database=source_relation.database,
                                          schema=source_relation.schema,
                                          identifier=source_relation.identifier) -%}
    {{ return(loaded is not none) }}
{%- endmacro %}
