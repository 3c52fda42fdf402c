{#- Rankings for regional managers, per period (month and year) and KPI: dense_rank
    within region and nationally, best first (direction from kpi_catalog). A figure is
    ranked only when it is final (not is_provisional), the KPI is ranked, the dealer was
    open during the period, the outlet sells cars when the KPI is sales-based, and the
    sample is large enough; otherwise unranked_reason says why (ui_labels, domain
    unranked). Percentile = cume_dist from worst to best (1 = best).
    Composite (kpi_code = 'composite') = 100 x weighted mean of the national percentiles
    with weights from kpi_catalog; KPIs without a percentile re-weight the rest. Only open
    sales outlets get a composite, and only in final periods.
    Targets come from the kpi_targets seed (KPI x region x year, the most specific row
    wins) or, for target_basis = national_mean (CSI), the period's national figure.
    Status (green / amber / red, labelled 达标 / 预警 / 未达标) for every KPI with a target,
    in the KPI's direction; a provisional figure has no status.
    A period is final when no figure of it is provisional; period_choice is the label the
    dashboards filter on: the period for final periods, "(暂定) <period>" otherwise, so
    that the latest final period sorts first in descending order. -#}
{#- the columns that describe a dealer in a period, the same for KPI and composite rows #}
{%- set dealer_period_columns = [
    'period_grain', 'period_start', 'period_label', 'period_choice', 'is_final_period',
    'dealer_code', 'dealer_name', 'region', 'region_zh', 'latitude', 'longitude',
] %}

with kpis as (

    {{ dealer_kpis() }}

),

dealers as (

    select
        dim_dealers.dealer_code,
        dim_dealers.dealer_name,
        dim_dealers.region,
        dim_dealers.region_zh,
        dim_dealers.outlet_type,
        dim_dealers.opened_on,
        dim_dealers.closed_on,
        coordinates.latitude,
        coordinates.longitude
    from {{ ref('dim_dealers') }} as dim_dealers
    left join {{ ref('city_coordinates') }} as coordinates
        on dim_dealers.city = coordinates.city

),

catalog as (

    select *
    from {{ ref('kpi_catalog') }}

),

targets as (

    select *
    from {{ ref('kpi_targets') }}

),

labels as (

    select domain, code, label_zh, colour
    from {{ ref('ui_labels') }}

),

national as (

    select
        period_grain,
        period_start,
        kpi_code,
        {{ safe_divide('sum(numerator)', 'sum(denominator)') }} as national_value
    from kpis
    group by period_grain, period_start, kpi_code

),

periods as (

    select
        period_grain,
        period_start,
        max(case when is_provisional then 1 else 0 end) = 0 as is_final_period
    from kpis
    group by period_grain, period_start

),

with_target as (

    select
        kpis.*,
        targets.target,
        targets.amber_threshold,
        row_number() over (
            partition by kpis.dealer_code, kpis.period_grain, kpis.period_start, kpis.kpi_code
            order by
                case when targets.region_code is not null then 0 else 1 end,
                case when targets.target_year is not null then 0 else 1 end
        ) as target_match
    from kpis
    inner join dealers
        on kpis.dealer_code = dealers.dealer_code
    left join targets
        on kpis.kpi_code = targets.kpi_code
        and (targets.region_code is null or targets.region_code = dealers.region)
        and (targets.target_year is null or targets.target_year = extract(year from kpis.period_start))

),

enriched as (

    select
        kpis.period_grain,
        kpis.period_start,
        kpis.period_label,
        case
            when periods.is_final_period then kpis.period_label
            else {{ dbt.concat(["'(暂定) '", 'kpis.period_label']) }}
        end as period_choice,
        periods.is_final_period,
        kpis.dealer_code,
        dealers.dealer_name,
        dealers.region,
        dealers.region_zh,
        dealers.latitude,
        dealers.longitude,
        kpis.kpi_code,
        catalog.kpi_name,
        catalog.kpi_name_zh,
        catalog.unit,
        catalog.display_order,
        catalog.is_headline,
        kpis.value,
        kpis.numerator,
        kpis.denominator,
        kpis.low_sample,
        kpis.is_provisional,
        case
            when catalog.target_basis = 'national_mean' then national.national_value
            else kpis.target
        end as target,
        coalesce(catalog.target_basis, 'fixed') as target_basis,
        catalog.direction,
        kpis.amber_threshold,
        catalog.composite_weight,
        (
            dealers.opened_on < {{ dbt.dateadd('month', "case when kpis.period_grain = 'year' then 12 else 1 end", 'kpis.period_start') }}
            and (dealers.closed_on is null or dealers.closed_on >= kpis.period_start)
        ) as is_open,
        coalesce(dealers.outlet_type = 'service_only', false) as is_service_only,
        catalog.is_sales_based,
        catalog.is_ranked,
        case when catalog.direction = 'lower' then -1 * kpis.value else kpis.value end as goodness
    from with_target as kpis
    inner join dealers
        on kpis.dealer_code = dealers.dealer_code
    inner join catalog
        on kpis.kpi_code = catalog.kpi_code
    inner join periods
        on kpis.period_grain = periods.period_grain
        and kpis.period_start = periods.period_start
    left join national
        on kpis.period_grain = national.period_grain
        and kpis.period_start = national.period_start
        and kpis.kpi_code = national.kpi_code
    where kpis.target_match = 1

),

classified as (

    select
        enriched.*,
        case
            when not is_ranked then 'not_ranked_kpi'
            when not is_open then 'not_open'
            when is_service_only and is_sales_based then 'no_sales'
            when value is null then 'no_value'
            when is_provisional then 'provisional'
            when low_sample then 'low_sample'
        end as unranked_code
    from enriched

),

kpi_rows as (

    select
        classified.*,
        {{ dealer_ranks('period_grain, period_start, kpi_code', 'goodness') }},
        case
            when classified.value is null or classified.is_provisional then null
            when classified.target_basis = 'national_mean' and classified.target is null then null
            when classified.target_basis = 'national_mean' and classified.value > classified.target then 'green'
            when classified.target_basis = 'national_mean' then 'red'
            when classified.target is null then null
            when classified.direction = 'lower' and classified.value < classified.target then 'green'
            when classified.direction = 'lower' and classified.value < classified.amber_threshold then 'amber'
            when classified.direction = 'lower' then 'red'
            when classified.value >= classified.target then 'green'
            when classified.value >= classified.amber_threshold then 'amber'
            else 'red'
        end as status
    from classified

),

composite_inputs as (

    select
        period_grain,
        period_start,
        dealer_code,
        sum(composite_weight * pct_national) as weighted_percentiles,
        sum(composite_weight) as total_weight
    from kpi_rows
    where composite_weight > 0
      and pct_national is not null
    group by period_grain, period_start, dealer_code

),

dealer_periods as (

    select
        {%- for column in dealer_period_columns %}
        {{ column }},
        {%- endfor %}
        is_open,
        is_service_only
    from kpi_rows
    where kpi_code = 'coverage'

),

composite_scores as (

    select
        dealer_periods.*,
        100 * {{ safe_divide('composite_inputs.weighted_percentiles', 'composite_inputs.total_weight') }} as value,
        100 * composite_inputs.weighted_percentiles as numerator,
        composite_inputs.total_weight as denominator,
        case
            when not dealer_periods.is_open then 'not_open'
            when dealer_periods.is_service_only then 'no_sales'
            when composite_inputs.total_weight is null then 'no_value'
            when not dealer_periods.is_final_period then 'provisional'
        end as unranked_code
    from dealer_periods
    left join composite_inputs
        on dealer_periods.period_grain = composite_inputs.period_grain
        and dealer_periods.period_start = composite_inputs.period_start
        and dealer_periods.dealer_code = composite_inputs.dealer_code

),

all_rows as (

    select
        {%- for column in dealer_period_columns %}
        {{ column }},
        {%- endfor %}
        kpi_code,
        kpi_name,
        kpi_name_zh,
        unit,
        display_order,
        is_headline,
        value,
        numerator,
        denominator,
        low_sample,
        is_provisional,
        rank_region,
        rank_national,
        pct_region,
        pct_national,
        target,
        status,
        unranked_code
    from kpi_rows

    union all

    select
        {%- for column in dealer_period_columns %}
        composite_scores.{{ column }},
        {%- endfor %}
        'composite' as kpi_code,
        'Composite score' as kpi_name,
        '综合得分' as kpi_name_zh,
        'score_0_100' as unit,
        0 as display_order,
        false as is_headline,
        composite_scores.value,
        composite_scores.numerator,
        composite_scores.denominator,
        false as low_sample,
        not composite_scores.is_final_period as is_provisional,
        {{ dealer_ranks('period_grain, period_start', 'value') }},
        cast(null as {{ type_double() }}) as target,
        cast(null as {{ dbt.type_string() }}) as status,
        composite_scores.unranked_code
    from composite_scores

)

select
    all_rows.*,
    case
        when all_rows.is_provisional then {{ dbt.concat([format_kpi_value('all_rows.value', 'all_rows.unit'), "'（暂定）'"]) }}
        else {{ format_kpi_value('all_rows.value', 'all_rows.unit') }}
    end as value_display,
    {{ format_kpi_value('all_rows.target', 'all_rows.unit') }} as target_display,
    {{ chart_value('all_rows.value', 'all_rows.unit') }} as chart_value,
    {{ chart_value('all_rows.target', 'all_rows.unit') }} as chart_target,
    status_labels.label_zh as status_zh,
    {{ dbt.concat(["'#'", 'status_labels.colour']) }} as status_colour,
    unranked_labels.label_zh as unranked_reason
from all_rows
left join labels as status_labels
    on status_labels.domain = 'status'
    and status_labels.code = case
        when all_rows.is_provisional and all_rows.value is not null then 'provisional'
        else all_rows.status
    end
left join labels as unranked_labels
    on unranked_labels.domain = 'unranked'
    and all_rows.unranked_code = unranked_labels.code
