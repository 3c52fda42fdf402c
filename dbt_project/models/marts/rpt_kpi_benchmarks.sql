{#- Benchmarks per period and KPI, nationally and per region: number of dealers, median,
    quartiles and the top-10% threshold (the 90th percentile, or the 10th for KPIs where
    lower is better), over the benchmarked figures (final, open, eligible, not low_sample;
    as the scorecard's medians). Aggregates only: no dealer rows, so every role may read
    it without row-level security. -#}

with rankings as (

    select *
    from {{ ref('rpt_regional_rankings') }}
    where value is not null
      and (unranked_code is null or unranked_code = 'not_ranked_kpi')
      and not low_sample
      and not is_provisional

),

catalog as (

    select kpi_code, direction
    from {{ ref('kpi_catalog') }}

),

regions as (

    select region_code, name_zh
    from {{ ref('regions') }}

),

scoped as (

    select 'national' as scope, 'national' as benchmark_region, '全国' as scope_zh, rankings.*
    from rankings

    union all

    select 'region' as scope, rankings.region as benchmark_region, rankings.region_zh as scope_zh, rankings.*
    from rankings

),

aggregated as (

    select
        scope,
        benchmark_region as region,
        scope_zh,
        period_grain,
        period_start,
        period_label,
        period_choice,
        kpi_code,
        kpi_name_zh,
        unit,
        display_order,
        count(*) as dealers,
        percentile_cont(0.5) within group (order by value) as median_value,
        percentile_cont(0.25) within group (order by value) as p25_value,
        percentile_cont(0.75) within group (order by value) as p75_value,
        percentile_cont(0.1) within group (order by value) as p10_value,
        percentile_cont(0.9) within group (order by value) as p90_value,
        avg(target) as target
    from scoped
    group by scope, benchmark_region, scope_zh, period_grain, period_start, period_label, period_choice,
        kpi_code, kpi_name_zh, unit, display_order

)

select
    aggregated.scope,
    aggregated.region,
    aggregated.scope_zh,
    aggregated.period_grain,
    aggregated.period_start,
    aggregated.period_label,
    aggregated.period_choice,
    aggregated.kpi_code,
    aggregated.kpi_name_zh,
    aggregated.unit,
    aggregated.display_order,
    aggregated.dealers,
    catalog.direction,
    aggregated.median_value,
    aggregated.p25_value,
    aggregated.p75_value,
    case when catalog.direction = 'lower' then aggregated.p10_value else aggregated.p90_value end as top10_threshold,
    {{ format_kpi_value('aggregated.median_value', 'aggregated.unit') }} as median_display,
    {{ format_kpi_value('aggregated.p25_value', 'aggregated.unit') }} as p25_display,
    {{ format_kpi_value('aggregated.p75_value', 'aggregated.unit') }} as p75_display,
    {{ format_kpi_value("case when catalog.direction = 'lower' then aggregated.p10_value else aggregated.p90_value end", 'aggregated.unit') }} as top10_display,
    {{ chart_value('aggregated.median_value', 'aggregated.unit') }} as chart_median,
    {{ chart_value('aggregated.target', 'aggregated.unit') }} as chart_target
from aggregated
inner join catalog
    on aggregated.kpi_code = catalog.kpi_code
