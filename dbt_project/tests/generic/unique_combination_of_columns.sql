{% test unique_combination_of_columns(model, combination_of_columns) %}
{#- fails with one row per duplicated combination of the given columns -#}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
