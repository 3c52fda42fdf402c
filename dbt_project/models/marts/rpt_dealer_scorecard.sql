{#- Dealer scorecard: each KPI (and the composite) with its target and status, the
    region and national medians (over dealers not flagged low_sample), the gap to target
    (value - target), the change since the previous period (month-on-month; year-on-year
    for yearly rows) and weak items: red status, or worse than the region median for KPIs
    without a target band. Weak items are ranked by national percentile, worst first. -#}

with rankings as (

    select *
    from {{ ref('rpt_regional_rankings') }}

),

catalog as (

    select kpi_code, direction, is_ranked
    from {{ ref('kpi_catalog') }}

),

region_medians as (

    select
        period_grain,
        period_start,
        kpi_code,
        region,
        {{ median_of('value') }} as region_median
    from rankings
    where value is not null
      and not low_sample
    group by period_grain, period_start, kpi_code, region

),

national_medians as (

    select
        period_grain,
        period_start,
        kpi_code,
        {{ median_of('value') }} as national_median
    from rankings
    where value is not null
      and not low_sample
    group by period_grain, period_start, kpi_code

),

compared as (

    select
        rankings.*,
        coalesce(catalog.direction, 'higher') as direction,
        coalesce(catalog.is_ranked, true) as is_ranked,
        region_medians.region_median,
        national_medians.national_median,
        rankings.value - rankings.target as gap_to_target,
        rankings.value - lag(rankings.value) over (
            partition by rankings.dealer_code, rankings.period_grain, rankings.kpi_code
            order by rankings.period_start
        ) as mom_change
    from rankings
    left join catalog
        on rankings.kpi_code = catalog.kpi_code
    left join region_medians
        on rankings.period_grain = region_medians.period_grain
        and rankings.period_start = region_medians.period_start
        and rankings.kpi_code = region_medians.kpi_code
        and rankings.region = region_medians.region
    left join national_medians
        on rankings.period_grain = national_medians.period_grain
        and rankings.period_start = national_medians.period_start
        and rankings.kpi_code = national_medians.kpi_code

),

weak as (

    select
        compared.*,
        coalesce(
            is_ranked
            and value is not null
            and not low_sample
            and (
                status = 'red'
                or (
                    status is null
                    and (
                        (direction = 'higher' and value < region_median)
                        or (direction = 'lower' and value > region_median)
                    )
                )
            ),
            false
        ) as is_weak_item
    from compared

)

select
    period_grain,
    period_start,
    period_label,
    dealer_code,
    dealer_name,
    region,
    kpi_code,
    kpi_name,
    kpi_name_zh,
    value,
    numerator,
    denominator,
    low_sample,
    target,
    status,
    region_median,
    national_median,
    gap_to_target,
    mom_change,
    is_weak_item,
    case
        when is_weak_item then row_number() over (
            partition by dealer_code, period_grain, period_start, is_weak_item
            order by pct_national, kpi_code
        )
    end as weak_item_rank
from weak
