{% macro join_dealer(alias, column='dealer_code') -%}
    {#- Every fact carries its dealer's region: the one join to dim_dealers, as `dealers`
        (on `column` of the fact, its dealer_code unless told otherwise). -#}
    left join {{ ref('dim_dealers') }} as dealers
        on {{ alias }}.{{ column }} = dealers.dealer_code
{%- endmacro %}

{% macro join_rolled_up_dealer(alias) -%}
    {#- A raw dealer code's rolled-up code (along its successor chain): the one join to
        int_dealers_rolled_up, as `rolled_up`; read it with rolled_up_dealer_code(alias). -#}
    left join {{ ref('int_dealers_rolled_up') }} as rolled_up
        on {{ alias }}.dealer_code = rolled_up.dealer_code
{%- endmacro %}

{% macro rolled_up_dealer_code(alias) -%}
    coalesce(rolled_up.rolled_up_dealer_code, {{ alias }}.dealer_code)
{%- endmacro %}
