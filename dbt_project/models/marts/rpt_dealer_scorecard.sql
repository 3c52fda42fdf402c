{#- Dealer scorecard: each KPI (and the composite) with its target and status, the
    region and national medians (over the figures that are benchmarked: final, open,
    eligible and not low_sample), the gap to target (value - target), the change since
    the previous period (month-on-month; year-on-year for yearly rows) and weak items:
    red status, or worse than the region median for KPIs without a target. Weak items are
    numbered red first, then by national percentile, worst first; a provisional figure is
    never a weak item.
    view_choice is the month a row is shown under: a monthly row under its own month, an
    annual KPI's row (first maintenance, warranty registration by year) under every month
    of its year, so the scorecard of a month shows the year's figure of the annual KPIs.
    is_headline_tile picks one figure per headline KPI for the tiles: the month's, or the
    year's for a KPI measured only by year. -#}

with rankings as (

    select *
    from {{ ref('rpt_regional_rankings') }}

),

catalog as (

    select kpi_code, direction, is_ranked, grain
    from {{ ref('kpi_catalog') }}

),

benchmarked as (

    select *
    from rankings
    where value is not null
      and (unranked_code is null or unranked_code = 'not_ranked_kpi')
      and not low_sample
      and not is_provisional

),

region_medians as (

    select
        period_grain,
        period_start,
        kpi_code,
        region,
        {{ median_of('value') }} as region_median
    from benchmarked
    group by period_grain, period_start, kpi_code, region

),

national_medians as (

    select
        period_grain,
        period_start,
        kpi_code,
        {{ median_of('value') }} as national_median
    from benchmarked
    group by period_grain, period_start, kpi_code

),

compared as (

    select
        rankings.*,
        coalesce(catalog.direction, 'higher') as direction,
        coalesce(catalog.is_ranked, true) as is_ranked,
        coalesce(rankings.is_headline and (rankings.period_grain = 'month' or catalog.grain = 'year'), false) as is_headline_tile,
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
            and not is_provisional
            and (
                status = 'red'
                or (
                    status is null
                    and target is null
                    and (
                        (direction = 'higher' and value < region_median)
                        or (direction = 'lower' and value > region_median)
                    )
                )
            ),
            false
        ) as is_weak_item
    from compared

),

numbered as (

    select
        weak.*,
        case
            when is_weak_item then row_number() over (
                partition by dealer_code, period_grain, period_start, is_weak_item
                order by case when status = 'red' then 0 else 1 end, pct_national, kpi_code
            )
        end as weak_item_rank
    from weak

),

months as (

    select distinct period_start, period_choice
    from rankings
    where period_grain = 'month'

),

views as (

    select numbered.*, numbered.period_choice as view_choice
    from numbered
    where period_grain = 'month'

    union all

    select numbered.*, months.period_choice as view_choice
    from numbered
    inner join months
        on {{ dbt.date_trunc('year', 'months.period_start') }} = numbered.period_start
    where numbered.period_grain = 'year'

)

select
    period_grain,
    case when period_grain = 'year' then '年度' else '月度' end as period_grain_zh,
    period_start,
    period_label,
    period_choice,
    view_choice,
    is_final_period,
    dealer_code,
    dealer_name,
    region,
    region_zh,
    kpi_code,
    kpi_name,
    kpi_name_zh,
    case when period_grain = 'year' then {{ dbt.concat(['kpi_name_zh', "'（'", 'period_label', "'年度）'"]) }} else kpi_name_zh end as kpi_label,
    unit,
    display_order,
    is_headline,
    is_headline_tile,
    value,
    value_display,
    chart_value,
    chart_target,
    numerator,
    denominator,
    low_sample,
    is_provisional,
    target,
    target_display,
    status,
    status_zh,
    status_colour,
    rank_region,
    rank_national,
    pct_national,
    unranked_reason,
    region_median,
    {{ format_kpi_value('region_median', 'unit') }} as region_median_display,
    {{ chart_value('region_median', 'unit') }} as chart_region_median,
    national_median,
    {{ format_kpi_value('national_median', 'unit') }} as national_median_display,
    {{ chart_value('national_median', 'unit') }} as chart_national_median,
    gap_to_target,
    {{ format_kpi_change('gap_to_target', 'unit') }} as gap_display,
    mom_change,
    {{ format_kpi_change('mom_change', 'unit') }} as change_display,
    is_weak_item,
    weak_item_rank
from views
