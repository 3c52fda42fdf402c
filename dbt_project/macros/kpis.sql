{#- The dealer KPI grid shared by kpi_dealer_monthly and kpi_dealer_yearly: facts of one
    grain joined to every dealer-period of the grid and every KPI of the catalogue, and the
    figure columns computed from them (docs/kpis.md). The models keep the grid, the
    catalogue's grains and the provisional rule of their grain. -#}

{% macro kpi_period_facts(period_grain, period_key, aggregated_models) -%}
    {#- the aggregated models' rows (key column `period_key`), then warranty registration of
        this grain, the one fact with a last deadline -#}
    {%- for model in aggregated_models %}
    select dealer_code, {{ period_key }}, kpi_code, numerator, denominator, sample_size, cast(null as date) as last_deadline_date
    from {{ ref(model) }}
    union all
    {%- endfor %}
    select dealer_code, period_index as {{ period_key }}, kpi_code, numerator, denominator, sample_size, last_deadline_date
    from {{ ref('int_dealer_periods_warranty_registration_aggregated') }}
    where period_grain = '{{ period_grain }}'
{%- endmacro %}

{% macro kpi_grid_joined(period_key, catalog_grains) -%}
    {#- every grid row x catalogue KPI measured at one of catalog_grains, with its facts (0
        where none); ratios keep a denominator -#}
    select
        grid.*,
        catalog.kpi_code,
        catalog.measure_type,
        cast(coalesce(facts.numerator, 0) as {{ type_double() }}) as numerator,
        case
            when catalog.measure_type = 'ratio' then cast(coalesce(facts.denominator, 0) as {{ type_double() }})
        end as denominator,
        coalesce(facts.sample_size, 0) as sample_size,
        facts.last_deadline_date
    from grid
    inner join {{ ref('kpi_catalog') }} as catalog
        on catalog.grain in ('{{ catalog_grains | join("', '") }}')
    left join facts
        on grid.dealer_code = facts.dealer_code
        and grid.{{ period_key }} = facts.{{ period_key }}
        and catalog.kpi_code = facts.kpi_code
{%- endmacro %}

{% macro kpi_figure_columns() -%}
    {#- a denominator of 0 gives a NULL value; low_sample when the sample is below min_sample -#}
    numerator,
    denominator,
    case
        when measure_type = 'count' then numerator
        else {{ safe_divide('numerator', 'denominator') }}
    end as value,
    case
        when measure_type = 'count' then false
        else sample_size < {{ var('min_sample') }}
    end as low_sample
{%- endmacro %}

{% macro dealer_kpis() -%}
    {#- every dealer KPI row of both grains (kpi_dealer_monthly and kpi_dealer_yearly share columns) -#}
    select * from {{ ref('kpi_dealer_monthly') }}
    union all
    select * from {{ ref('kpi_dealer_yearly') }}
{%- endmacro %}

{% macro dealer_ranks(partition_columns, goodness) -%}
    {#- rank_region / rank_national: dense_rank within the region and nationally, best
        (highest goodness) first; pct_region / pct_national: cume_dist from worst to best
        (1 = best). Only the rows without an unranked_code are ranked, among themselves;
        the others get NULL. Reads the columns region and unranked_code. -#}
    {%- set ranked = '(unranked_code is null)' %}
    {%- set within_region = partition_columns ~ ', region, ' ~ ranked %}
    {%- set national = partition_columns ~ ', ' ~ ranked %}
    case when {{ ranked }} then dense_rank() over (partition by {{ within_region }} order by {{ goodness }} desc) end as rank_region,
    case when {{ ranked }} then dense_rank() over (partition by {{ national }} order by {{ goodness }} desc) end as rank_national,
    case when {{ ranked }} then cume_dist() over (partition by {{ within_region }} order by {{ goodness }}) end as pct_region,
    case when {{ ranked }} then cume_dist() over (partition by {{ national }} order by {{ goodness }}) end as pct_national
{%- endmacro %}
