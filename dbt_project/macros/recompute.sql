{#- Incremental models downstream of staging (docs/architecture.md, "Incremental build").

    A model built with recompute_groups() holds rows that depend only on the staging rows of
    one group (meta.recompute_by: columns that start with dealer_code, e.g. dealer_code, vin)
    and on dealer attributes it stores (meta.dealer_attributes: region, rolled_up_dealer_code).
    An incremental run recomputes exactly the groups that can have changed:
      - the groups of the staging rows this run replaced or added: every staging model of
        meta.recompute_from keeps them in its change log (recompute.<staging>__changes,
        written by the lake_partitions strategy), old and new rows alike, so a row that moved
        to another group changes both;
      - every group of a dealer whose stored attributes differ from the dealer master's now
        (a closure into a successor, a new region), in the model and in staging.
    Any other group reads the same staging rows and dealer attributes as in the last build,
    so its rows stand. The pre-hook writes the groups (the values of meta.recompute_by) to
    recompute.<model>__scope, which publish also reads (warehouse/publish.py); the model
    reads its inputs through in_recompute_scope(alias); the strategy recompute_groups deletes
    the rows of those groups and inserts the recomputed ones. Without a staging change log
    (first build, full refresh, an engine that loads the lake into tables) the model computes
    every row and the strategy replaces the table. -#}

{% macro recompute_schema_relation(identifier) -%}
    {{ return(api.Relation.create(database=target.database, schema='recompute',
                                  identifier=identifier)) }}
{%- endmacro %}

{% macro staging_changes_relation(staging_model) -%}
    {{ return(recompute_schema_relation(staging_model ~ '__changes')) }}
{%- endmacro %}

{% macro recompute_scope_relation() -%}
    {{ return(recompute_schema_relation(this.identifier ~ '__scope')) }}
{%- endmacro %}

{% macro relation_exists(relation) -%}
    {#- asked of the database, not of dbt's relation cache: change logs and scopes are
        created and dropped by hooks and strategies, which the cache does not follow -#}
    {%- set query -%}
        select count(*) from information_schema.tables
        where table_catalog = '{{ relation.database }}' and table_schema = '{{ relation.schema }}'
          and table_name = '{{ relation.identifier }}'
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0] > 0) }}
{%- endmacro %}

{% macro recompute_config(name) -%}
    {%- set meta = model.config.get('meta', {}) -%}
    {%- if name not in meta -%}
        {{ exceptions.raise_compiler_error(model.name ~ " has no meta." ~ name ~ " for recompute_groups") }}
    {%- endif -%}
    {{ return(meta[name]) }}
{%- endmacro %}

{% macro recompute_ready() -%}
    {#- true when this run may recompute the changed groups only: the model exists, and every
        staging model it derives from updated incrementally in this run (its change log) -#}
    {%- if not execute or this is none or not lake_incremental_ready() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- for staging_model in recompute_config('recompute_from') -%}
        {%- if not relation_exists(staging_changes_relation(staging_model)) -%}
            {{ return(false) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{%- endmacro %}

{% macro dealer_attribute_expression(attribute, alias) -%}
    {#- what a stored dealer attribute is today, for a row `alias` (joined as in the models) -#}
    {%- if attribute == 'region' -%}
        dealers.region
    {%- elif attribute == 'rolled_up_dealer_code' -%}
        {{ rolled_up_dealer_code(alias) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown dealer attribute " ~ attribute) }}
    {%- endif -%}
{%- endmacro %}

{% macro dealer_attribute_join(attribute, alias) -%}
    {%- if attribute == 'region' -%}
        {{ join_dealer(alias) }}
    {%- else -%}
        {{ join_rolled_up_dealer(alias) }}
    {%- endif -%}
{%- endmacro %}

{% macro write_recompute_scope() -%}
    {#- pre-hook: the groups this run recomputes (see the head of this file); a run that
        computes every row leaves no scope behind -#}
    {%- if not recompute_ready() -%}
    {%- if execute and this is not none and relation_exists(recompute_scope_relation()) -%}
    drop table {{ recompute_scope_relation() }}
    {%- endif -%}
    {%- else -%}
    {%- set group = recompute_config('recompute_by') | join(', ') -%}
    {%- set attributes = recompute_config('dealer_attributes') -%}
    {%- if recompute_config('recompute_by')[0] != 'dealer_code' -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": meta.recompute_by must start with dealer_code") }}
    {%- endif -%}
    create schema if not exists {{ recompute_scope_relation().include(identifier=false) }};
    create or replace table {{ recompute_scope_relation() }} as
    with stale_dealers as (
        select stored.dealer_code
        from (
            select distinct dealer_code{% for attribute in attributes %}, {{ attribute }}{% endfor %}
            from {{ this }}
        ) as stored
        {% for attribute in attributes -%}
        {{ dealer_attribute_join(attribute, 'stored') }}
        {% endfor -%}
        where {% for attribute in attributes -%}
            stored.{{ attribute }} is distinct from {{ dealer_attribute_expression(attribute, 'stored') }}
            {{- ' or ' if not loop.last }}
        {%- else -%}
            false
        {%- endfor %}
    )
    select {{ group }} from {{ this }}
    where dealer_code in (select dealer_code from stale_dealers)
    {% for staging_model in recompute_config('recompute_from') -%}
    union
    select {{ group }} from {{ ref(staging_model) }}
    where dealer_code in (select dealer_code from stale_dealers)
    union
    select {{ group }} from {{ staging_changes_relation(staging_model) }}
    {% endfor -%}
    {%- endif -%}
{%- endmacro %}

{% macro in_recompute_scope(alias) -%}
    {#- true for the rows of `alias` in a group this run recomputes (every row in a full run) -#}
    {%- if recompute_ready() -%}
    exists (
        select 1 from {{ recompute_scope_relation() }} as scope
        where {{ key_match('scope', alias, recompute_config('recompute_by')) }}
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{% macro recompute_groups(recompute_by, recompute_from, dealer_attributes=[]) -%}
    {#- the configuration of a model that recomputes changed groups only; the relations its
        scope reads are dependencies of the model -#}
    {%- for staging_model in recompute_from -%}
        {%- do ref(staging_model) -%}
    {%- endfor -%}
    {%- if 'region' in dealer_attributes -%}{%- do ref('dim_dealers') -%}{%- endif -%}
    {%- if 'rolled_up_dealer_code' in dealer_attributes -%}{%- do ref('int_dealers_rolled_up') -%}{%- endif -%}
    {{- config(
        materialized='incremental',
        incremental_strategy='recompute_groups',
        meta={'recompute_by': recompute_by, 'recompute_from': recompute_from,
              'dealer_attributes': dealer_attributes},
        pre_hook="{{ write_recompute_scope() }}",
    ) -}}
{%- endmacro %}

{% macro get_incremental_recompute_groups_sql(arg_dict) -%}
    {#- delete the recomputed groups' rows, insert the recomputed rows; in a full run the
        model computed every row and the table is replaced -#}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- if recompute_ready() %}
    delete from {{ target_relation }} as stored
    where {{ in_recompute_scope('stored') }};
    {%- endif %}
    {{ insert_recomputed(arg_dict, replace=not recompute_ready()) }}
{%- endmacro %}

{% macro insert_recomputed(arg_dict, replace) -%}
    {#- the incremental strategies' last step: the recomputed rows inserted, after deleting
        every row first when the model computed all of them -#}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- if replace %}
    delete from {{ arg_dict['target_relation'] }};
    {%- endif %}
    insert into {{ arg_dict['target_relation'] }} ({{ dest_cols_csv }})
    select {{ dest_cols_csv }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{% macro touched_rows(relation) -%}
    {#- the rows this run wrote into `relation`, as SQL, when it wrote only some of them: its
        staging change log or its rows in the recompute scope; none when every row may have
        changed (a full build, or a model rebuilt whole) -#}
    {%- if not execute or relation.identifier is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set changes = staging_changes_relation(relation.identifier) -%}
    {%- if relation_exists(changes) -%}
        {{ return('select * from ' ~ changes) }}
    {%- endif -%}
    {%- set scope = recompute_schema_relation(relation.identifier ~ '__scope') -%}
    {%- if relation_exists(scope) -%}
        {%- set group = adapter.get_columns_in_relation(scope) | map(attribute='name') | list -%}
        {{ return('select * from ' ~ relation ~ ' as scoped where exists (select 1 from '
                  ~ scope ~ ' as scope where ' ~ key_match('scope', 'scoped', group) ~ ')') }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
