{#- The China map of the nine regions: one row per province x period x KPI holding its
    region's median (rpt_kpi_benchmarks), so that Superset's country map colours every
    province of a region alike. Provinces are assigned to regions by the region_provinces
    seed. Aggregates only (no dealer rows). -#}

with benchmarks as (

    select *
    from {{ ref('rpt_kpi_benchmarks') }}
    where scope = 'region'

),

provinces as (

    select province_iso, province_zh, region_code
    from {{ ref('region_provinces') }}

)

select
    provinces.province_iso,
    provinces.province_zh,
    benchmarks.region,
    benchmarks.scope_zh as region_zh,
    benchmarks.period_grain,
    benchmarks.period_start,
    benchmarks.period_label,
    benchmarks.period_choice,
    benchmarks.kpi_code,
    benchmarks.kpi_name_zh,
    benchmarks.dealers,
    benchmarks.median_value,
    benchmarks.median_display,
    benchmarks.chart_median
from benchmarks
inner join provinces
    on benchmarks.region = provinces.region_code
