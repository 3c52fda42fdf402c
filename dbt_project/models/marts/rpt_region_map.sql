{#- The China map of the nine regions: one row per province x period x KPI holding its
    region's median (rpt_kpi_benchmarks), so that every province of a region is coloured
    alike. Provinces are assigned to regions by the region_provinces seed. fill_colour
    ranks the regions of the period on the KPI (best fifth darkest; direction from the
    catalogue), colours from ui_labels (domain map_scale). Aggregates only (no dealer rows). -#}

with benchmarks as (

    select *
    from {{ ref('rpt_kpi_benchmarks') }}
    where scope = 'region'

),

scaled as (

    select
        benchmarks.*,
        case
            when count(*) over (partition by period_grain, period_start, kpi_code) = 1 then 4
            else cast(floor(4.999 * percent_rank() over (
                partition by period_grain, period_start, kpi_code
                order by case when direction = 'lower' then -1 * median_value else median_value end
            )) as integer)
        end as scale_step
    from benchmarks

),

palette as (

    select code, colour
    from {{ ref('ui_labels') }}
    where domain = 'map_scale'

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
    benchmarks.chart_median,
    {{ dbt.concat(["'#'", 'palette.colour']) }} as fill_colour
from scaled as benchmarks
inner join provinces
    on benchmarks.region = provinces.region_code
left join palette
    on palette.code = cast(benchmarks.scale_step as {{ dbt.type_string() }})
