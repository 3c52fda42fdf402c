{#- Shared RO classifications (docs/kpis.md "Shared rules"), used by every model that
    needs them so the definitions live in one place. -#}

{% macro is_qualifying_visit(status, category, settled_at) -%}
    ({{ status }} = 'settled' and {{ category }} not in ('pdi', 'internal') and {{ settled_at }} is not null)
{%- endmacro %}

{% macro is_repair_category(category) -%}
    ({{ category }} in ('minor_repair', 'major_repair', 'warranty'))
{%- endmacro %}

{% macro is_service_scope(status, category) -%}
    {#- not void and not pdi/internal: on-time delivery and advisor throughput scope -#}
    ({{ status }} <> 'void' and {{ category }} not in ('pdi', 'internal'))
{%- endmacro %}
