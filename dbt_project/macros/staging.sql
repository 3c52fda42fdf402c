{% macro latest_per_key(relation, key_columns) -%}
    {#- keep the latest load of each business key: later _loaded_at wins, then the
        later file period, then the later source row -#}
    select * from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by loaded_at desc, source_period desc, source_row desc
            ) as load_rank
        from {{ relation }}
    ) as ranked
    where load_rank = 1
{%- endmacro %}

{% macro lake_column_alias(name) -%}
    {#- landed technical columns lose their underscore; a file period is source_period -#}
    {%- set renames = {'_source_file': 'source_file', '_source_row': 'source_row',
                       '_file_sha256': 'file_sha256', '_loaded_at': 'loaded_at',
                       '_quarantined_at': 'quarantined_at', 'period': 'source_period',
                       'success': 'is_success'} -%}
    {{ return(renames.get(name, name)) }}
{%- endmacro %}

{% macro stage_lake_table(table_name, pattern, where=none, relation=none) -%}
    {#- A lake table's staging model: rename and cast every column. The columns and their
        types are read from the lake source's YAML, which tests hold equal to the feed
        contracts (ingestion/contracts/<feed>.yaml) and to the control tables' schema. -#}
    {%- set node = lake_source_node(table_name) -%}
    {%- set columns = node.columns.values() | list if node else [] -%}
with source as (

    select * from {{ relation if relation is not none else lake_source(table_name, pattern, columns | map(attribute='name') | list) }}

)

select
    {%- for column in columns %}
    cast({{ column.name }} as {{ lake_cast_type(column.data_type) }}) as {{ lake_column_alias(column.name) }}{{ ',' if not loop.last }}
    {%- endfor %}
from source
{%- if where %}
where {{ where }}
{%- endif %}
{%- endmacro %}

{% macro stage_lake_feed(table_name) -%}
    {#- A feed's staging model: the lake table staged, then the latest load of each
        business key (the key is the lake source's meta.key). Incremental on the lake's
        partition pointers (macros/incremental.sql): a run after a successful build
        recomputes only the keys that changed partitions can touch. -#}
    {{- config(materialized='incremental', incremental_strategy='lake_partitions',
              pre_hook="{{ drop_staging_changes() }}") -}}
    {%- set node = lake_source_node(table_name) -%}
    {%- set columns = node.columns.values() | list if node else [] -%}
    {%- set staged_columns = [] -%}
    {%- for column in columns -%}
        {%- do staged_columns.append(lake_column_alias(column.name) | trim) -%}
    {%- endfor %}
with renamed as (

    {% if lake_incremental_ready() -%}
    {{ stage_lake_feed_incremental(table_name, node.meta.key, staged_columns) }}
    {%- else -%}
    {{ stage_lake_table(table_name, 'landed/' ~ table_name ~ '/*.parquet') }}
    {%- endif %}

),

deduplicated as (

    {{ latest_per_key('renamed', node.meta.key if node else []) }}

)

select
    {%- for column in columns %}
    {{ lake_column_alias(column.name) }}{{ ',' if not loop.last }}
    {%- endfor %}
from deduplicated
{%- endmacro %}

{% macro lake_source_node(table_name) -%}
    {%- if not execute -%}
        {#- parse time: reference the source so lineage and freshness see it -#}
        {%- do source('lake', table_name) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.sources.values() -%}
        {%- if node.source_name == 'lake' and node.name == table_name -%}
            {{ return(node) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("no lake source named " ~ table_name) }}
{%- endmacro %}

{% macro lake_cast_type(data_type) -%}
    {%- set types = {
        'varchar': dbt.type_string(),
        'bigint': dbt.type_bigint(),
        'decimal(18,2)': dbt.type_numeric(),
        'timestamp': dbt.type_timestamp(),
        'date': 'date',
        'boolean': dbt.type_boolean(),
    } -%}
    {{ return(types[data_type]) }}
{%- endmacro %}
