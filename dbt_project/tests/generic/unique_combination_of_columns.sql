{% test unique_combination_of_columns(model, combination_of_columns) %}
{#- fails with one row per duplicated combination of the given columns. After a build that
    changed only some rows of the model (macros/recompute.sql: a staging change log, a
    recompute scope), only the combinations of those rows are checked: the last build's rows
    were unique, and rows this build did not write cannot duplicate each other. -#}
{%- set touched = touched_rows(model) -%}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as row_count
from {{ model }} as tested
{%- if touched %}
where exists (
    select 1 from ({{ touched }}) as touched
    where {{ key_match('touched', 'tested', combination_of_columns) }}
)
{%- endif %}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
