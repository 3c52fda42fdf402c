{% test value_matches_ratio(model, measure_column='kpi_code') %}
{#- a KPI row's value must equal numerator / denominator (NULL when the denominator is 0);
    count KPIs carry a NULL denominator and value = numerator -#}
select *
from {{ model }}
where not (
    (denominator is null and value = numerator)
    or (denominator = 0 and value is null)
    or (denominator <> 0 and abs(value - numerator / denominator) <= 1e-9 * greatest(1, abs(value)))
)
{% endtest %}
