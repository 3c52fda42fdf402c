{% macro first_maintenance_event_columns(document_no, event_at) -%}
    {#- A candidate first-maintenance event of a VIN (approved claim or qualifying RO): its
        dealer, document and time, its rank among the VIN's events of the same source
        (earliest first, ties by dealer then document) and how many the VIN has. -#}
    vin,
    dealer_code,
    {{ document_no }} as document_no,
    {{ event_at }} as event_at,
    odometer_km,
    row_number() over (partition by vin order by {{ event_at }}, dealer_code, {{ document_no }}) as event_rank,
    count(*) over (partition by vin) as event_count
{%- endmacro %}
