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
