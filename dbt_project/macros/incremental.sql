{#- Incremental staging on the append-only lake (docs/architecture.md, "Incremental build").

    The build file keeps, from its last successful build, the partition pointers that build
    read (table lake_partitions_built, written by warehouse/publish.py after dbt succeeded).
    A feed's changed partitions are the (dealer_code, period) whose pointer differs between
    that snapshot and control/lake_partitions.parquet (new, moved to another part, or gone).

    A staging row is the latest load of one business key, and every key starts with
    dealer_code, so a key's row depends only on the current rows of that key. An incremental
    run recomputes exactly the keys that can have changed:
      - keys with a current row in a changed partition (the new rows N), and
      - keys whose staged row came from a changed partition (their old winner may be gone).
    Their candidates are N, the staged rows of N's keys from unchanged partitions (the best of
    the unchanged rows, since they won against them before), and, for keys whose staged row
    came from a changed partition, their current rows in unchanged partitions read from the
    lake. The strategy lake_partitions then deletes the staged rows of changed partitions and
    of the recomputed keys and inserts the recomputed rows.

    Without a snapshot (first build, full refresh, or an engine that loads the lake into tables,
    such as PostgreSQL) the model computes every row and the strategy replaces the table. -#}

{% macro lake_pointers() -%}
    {#- the lake's exported partition pointers (ingestion/lake_read.py, POINTERS_EXPORT) -#}
    {{- "read_parquet('" ~ lake_root() ~ "/control/lake_partitions.parquet')" -}}
{%- endmacro %}

{% macro built_partitions_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema,
                                  identifier='lake_partitions_built')) }}
{%- endmacro %}

{% macro lake_incremental_ready() -%}
    {#- true when this run may update the model from the changed partitions only -#}
    {%- if not execute or not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(adapter.dispatch('lake_incremental_ready')()) }}
{%- endmacro %}

{% macro duckdb__lake_incremental_ready() -%}
    {%- set snapshot = built_partitions_relation() -%}
    {{ return(adapter.get_relation(database=snapshot.database, schema=snapshot.schema,
                                   identifier=snapshot.identifier) is not none) }}
{%- endmacro %}

{% macro default__lake_incremental_ready() -%}
    {{ return(false) }}
{%- endmacro %}

{% macro lake_changed_partitions(table_name) -%}
    {#- (dealer_code, period) of the feed whose current part differs from the snapshot's -#}
    {%- set pointers = lake_pointers() -%}
    select distinct dealer_code, period from (
        (
            select dealer_code, period, part from {{ pointers }}
            where area = 'landed' and feed = '{{ table_name }}'
            except
            select dealer_code, period, part from {{ built_partitions_relation() }}
            where area = 'landed' and feed = '{{ table_name }}'
        )
        union all
        (
            select dealer_code, period, part from {{ built_partitions_relation() }}
            where area = 'landed' and feed = '{{ table_name }}'
            except
            select dealer_code, period, part from {{ pointers }}
            where area = 'landed' and feed = '{{ table_name }}'
        )
    ) as moved
{%- endmacro %}

{% macro key_match(left, right, key_columns) -%}
    {%- for key in key_columns -%}
        {{ left }}.{{ key }} is not distinct from {{ right }}.{{ key }}{{ ' and ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{% macro changed_partition_filter(alias, period_column, changed='changed_partitions') -%}
    exists (
        select 1 from {{ changed }} as changed
        where changed.dealer_code = {{ alias }}.dealer_code
          and changed.period = {{ alias }}.{{ period_column }}
    )
{%- endmacro %}

{% macro lake_parts_source(table_name, parts) -%}
    {#- the lake source read from the given part files only (paths relative to the lake):
        the source's own relation, its glob replaced by the list -#}
    {%- set glob = "'" ~ lake_root() ~ "/landed/" ~ table_name ~ "/*.parquet'" -%}
    {%- set relation = source('lake', table_name) | string -%}
    {%- if glob not in relation -%}
        {{ exceptions.raise_compiler_error("lake source " ~ table_name ~ " does not read " ~ glob) }}
    {%- endif -%}
    {%- set files = [] -%}
    {%- for part in parts -%}
        {%- do files.append("'" ~ lake_root() ~ "/" ~ part ~ "'") -%}
    {%- endfor -%}
    {{ return(relation | replace(glob, "[" ~ files | join(", ") ~ "]")) }}
{%- endmacro %}

{% macro query_column(sql) -%}
    {%- set result = run_query(sql) -%}
    {{ return(result.columns[0].values() | list) }}
{%- endmacro %}

{% macro stage_lake_feed_incremental(table_name, key, staged_columns) -%}
    {#- the candidate rows of the recomputed keys in an incremental run (see the head of
        this file); the caller keeps the latest load of each key. Only the part files that
        hold changed partitions are read, and the lake is read for fallback rows only when
        a staged row came from a changed partition, from the parts of those dealers. -#}
    {%- set pointers = lake_pointers() -%}
    {%- set changed = '(' ~ lake_changed_partitions(table_name) ~ ')' -%}
    {%- set current_parts_sql -%}
        select distinct part from {{ pointers }} as p
        where area = 'landed' and feed = '{{ table_name }}' and part is not null
          and {{ changed_partition_filter('p', 'period', changed) }}
        order by part
    {%- endset -%}
    {%- set new_parts = query_column(current_parts_sql) -%}
    {%- set lost_dealers_sql -%}
        select distinct dealer_code from {{ this }} as staged
        where {{ changed_partition_filter('staged', 'source_period', changed) }}
    {%- endset -%}
    {%- set lost_dealers = query_column(lost_dealers_sql) -%}
    {%- set fallback_parts = [] -%}
    {%- if lost_dealers -%}
        {%- set fallback_parts_sql -%}
            select distinct part from {{ pointers }} as p
            where area = 'landed' and feed = '{{ table_name }}' and part is not null
              and dealer_code in ('{{ lost_dealers | join("', '") }}')
              and not {{ changed_partition_filter('p', 'period', changed) }}
            order by part
        {%- endset -%}
        {%- set fallback_parts = query_column(fallback_parts_sql) -%}
    {%- endif %}
with changed_partitions as (

    {{ lake_changed_partitions(table_name) }}

),

new_rows as (

    {% if new_parts -%}
    {{ stage_lake_table(table_name, none, where=changed_partition_filter('source', 'period'),
                        relation=lake_parts_source(table_name, new_parts)) }}
    {%- else -%}
    select {{ staged_columns | join(', ') }} from {{ this }} where 1 = 0
    {%- endif %}

),

kept_rows as (

    select {{ staged_columns | join(', ') }}
    from {{ this }} as staged
    where not {{ changed_partition_filter('staged', 'source_period') }}
      and exists (select 1 from new_rows where {{ key_match('new_rows', 'staged', key) }})

){% if fallback_parts %},

lost_keys as (

    select {{ key | join(', ') }}
    from {{ this }} as staged
    where {{ changed_partition_filter('staged', 'source_period') }}

),

fallback_rows as (

    select * from (
        {{ stage_lake_table(table_name, none, where='not ' ~ changed_partition_filter('source', 'period'),
                            relation=lake_parts_source(table_name, fallback_parts)) }}
    ) as unchanged
    where exists (select 1 from lost_keys where {{ key_match('lost_keys', 'unchanged', key) }})

){% endif %}

select {{ staged_columns | join(', ') }} from new_rows
union all
select {{ staged_columns | join(', ') }} from kept_rows
{%- if fallback_parts %}
union all
select {{ staged_columns | join(', ') }} from fallback_rows
{%- endif %}
{%- endmacro %}

{% macro drop_staging_changes() -%}
    {#- pre-hook: a change log exists only when this run's staging wrote it (an incremental
        run); a run that computes every row leaves none behind -#}
    {%- if execute and relation_exists(staging_changes_relation(this.identifier)) -%}
    drop table {{ staging_changes_relation(this.identifier) }}
    {%- endif -%}
{%- endmacro %}

{% macro get_incremental_lake_partitions_sql(arg_dict) -%}
    {#- delete what the recomputed rows replace, then insert them; without a snapshot the
        model computed every row and the table is replaced -#}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set temp_relation = arg_dict['temp_relation'] -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set table_name = model.name.split('__', 1)[1] -%}
    {%- set key = lake_source_node(table_name).meta.key -%}
    {%- set changes = staging_changes_relation(target_relation.identifier) -%}
    {%- set replaced -%}
        exists (select 1 from {{ temp_relation }} as recomputed
                where {{ key_match('recomputed', 'staged', key) }})
        or exists (
            select 1 from ({{ lake_changed_partitions(table_name) }}) as changed
            where changed.dealer_code = staged.dealer_code
              and changed.period = staged.source_period
        )
    {%- endset -%}
    {%- if lake_incremental_ready() %}
    {#- the change log of this run (macros/recompute.sql): the rows replaced and the rows
        inserted, for the models that recompute only the groups they touch -#}
    create schema if not exists {{ changes.include(identifier=false) }};
    create or replace temporary table replaced_rowids as
    select staged.rowid as replaced_rowid from {{ target_relation }} as staged where {{ replaced }};
    create or replace table {{ changes }} as
    select {{ dest_cols_csv }} from {{ target_relation }}
    where rowid in (select replaced_rowid from replaced_rowids)
    union all
    select {{ dest_cols_csv }} from {{ temp_relation }};
    delete from {{ target_relation }} where rowid in (select replaced_rowid from replaced_rowids);
    drop table replaced_rowids;
    {%- endif %}
    {{ insert_recomputed(arg_dict, replace=not lake_incremental_ready()) }}
{%- endmacro %}
