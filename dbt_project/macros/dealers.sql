{% macro join_dealer(alias) -%}
    {#- Every fact carries its dealer's region: the one join to dim_dealers, as `dealers`. -#}
    left join {{ ref('dim_dealers') }} as dealers
        on {{ alias }}.dealer_code = dealers.dealer_code
{%- endmacro %}
