{#- Rankings for regional managers, per period (month and year) and KPI: dense_rank
    within region and nationally, best first (direction from kpi_catalog); dealers with
    low_sample or no value are not ranked. Percentile = cume_dist from worst to best
    (1 = best). Composite (kpi_code = 'composite') = 100 x weighted mean of the national
    percentiles with weights from kpi_catalog; KPIs without a percentile re-weight the rest.
    Targets are fixed (kpi_catalog) or, for target_basis = national_mean (CSI), the
    period's national figure (Σ numerators / Σ denominators): green above it, else red. -#}

with kpis as (

    select * from {{ ref('kpi_dealer_monthly') }}
    union all
    select * from {{ ref('kpi_dealer_yearly') }}

),

dealers as (

    select dealer_code, dealer_name, region, region_zh
    from {{ ref('dim_dealers') }}

),

catalog as (

    select *
    from {{ ref('kpi_catalog') }}

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

enriched as (

    select
        kpis.period_grain,
        kpis.period_start,
        kpis.period_label,
        kpis.dealer_code,
        dealers.dealer_name,
        dealers.region,
        dealers.region_zh,
        kpis.kpi_code,
        catalog.kpi_name,
        catalog.kpi_name_zh,
        kpis.value,
        kpis.numerator,
        kpis.denominator,
        kpis.low_sample,
        case
            when catalog.target_basis = 'national_mean' then national.national_value
            else catalog.target
        end as target,
        coalesce(catalog.target_basis, 'fixed') as target_basis,
        catalog.direction,
        catalog.green_threshold,
        catalog.amber_threshold,
        catalog.composite_weight,
        (catalog.is_ranked and kpis.value is not null and not kpis.low_sample) as is_rankable,
        case when catalog.direction = 'lower' then -1 * kpis.value else kpis.value end as goodness
    from kpis
    inner join dealers
        on kpis.dealer_code = dealers.dealer_code
    inner join catalog
        on kpis.kpi_code = catalog.kpi_code
    left join national
        on kpis.period_grain = national.period_grain
        and kpis.period_start = national.period_start
        and kpis.kpi_code = national.kpi_code

),

ranked as (

    select
        period_grain,
        period_start,
        dealer_code,
        kpi_code,
        dense_rank() over (partition by period_grain, period_start, kpi_code, region order by goodness desc) as rank_region,
        dense_rank() over (partition by period_grain, period_start, kpi_code order by goodness desc) as rank_national,
        cume_dist() over (partition by period_grain, period_start, kpi_code, region order by goodness) as pct_region,
        cume_dist() over (partition by period_grain, period_start, kpi_code order by goodness) as pct_national
    from enriched
    where is_rankable

),

kpi_rows as (

    select
        enriched.*,
        ranked.rank_region,
        ranked.rank_national,
        ranked.pct_region,
        ranked.pct_national,
        case
            when enriched.value is null then null
            when enriched.target_basis = 'national_mean' and enriched.target is null then null
            when enriched.target_basis = 'national_mean' and enriched.value > enriched.target then 'green'
            when enriched.target_basis = 'national_mean' then 'red'
            when enriched.green_threshold is null then null
            when enriched.direction = 'lower' and enriched.value < enriched.green_threshold then 'green'
            when enriched.direction = 'lower' and enriched.value < enriched.amber_threshold then 'amber'
            when enriched.direction = 'lower' then 'red'
            when enriched.value >= enriched.green_threshold then 'green'
            when enriched.value >= enriched.amber_threshold then 'amber'
            else 'red'
        end as status
    from enriched
    left join ranked
        on enriched.period_grain = ranked.period_grain
        and enriched.period_start = ranked.period_start
        and enriched.dealer_code = ranked.dealer_code
        and enriched.kpi_code = ranked.kpi_code

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

    select distinct period_grain, period_start, period_label, dealer_code, dealer_name, region, region_zh
    from kpi_rows

),

composite_scores as (

    select
        dealer_periods.*,
        100 * {{ safe_divide('composite_inputs.weighted_percentiles', 'composite_inputs.total_weight') }} as value,
        100 * composite_inputs.weighted_percentiles as numerator,
        composite_inputs.total_weight as denominator
    from dealer_periods
    left join composite_inputs
        on dealer_periods.period_grain = composite_inputs.period_grain
        and dealer_periods.period_start = composite_inputs.period_start
        and dealer_periods.dealer_code = composite_inputs.dealer_code

),

composite_ranked as (

    select
        period_grain,
        period_start,
        dealer_code,
        dense_rank() over (partition by period_grain, period_start, region order by value desc) as rank_region,
        dense_rank() over (partition by period_grain, period_start order by value desc) as rank_national,
        cume_dist() over (partition by period_grain, period_start, region order by value) as pct_region,
        cume_dist() over (partition by period_grain, period_start order by value) as pct_national
    from composite_scores
    where value is not null

)

select
    period_grain,
    period_start,
    period_label,
    dealer_code,
    dealer_name,
    region,
    region_zh,
    kpi_code,
    kpi_name,
    kpi_name_zh,
    value,
    numerator,
    denominator,
    low_sample,
    rank_region,
    rank_national,
    pct_region,
    pct_national,
    target,
    status
from kpi_rows

union all

select
    composite_scores.period_grain,
    composite_scores.period_start,
    composite_scores.period_label,
    composite_scores.dealer_code,
    composite_scores.dealer_name,
    composite_scores.region,
    composite_scores.region_zh,
    'composite' as kpi_code,
    'Composite score' as kpi_name,
    '综合得分' as kpi_name_zh,
    composite_scores.value,
    composite_scores.numerator,
    composite_scores.denominator,
    false as low_sample,
    composite_ranked.rank_region,
    composite_ranked.rank_national,
    composite_ranked.pct_region,
    composite_ranked.pct_national,
    cast(null as {{ type_double() }}) as target,
    cast(null as {{ dbt.type_string() }}) as status
from composite_scores
left join composite_ranked
    on composite_scores.period_grain = composite_ranked.period_grain
    and composite_scores.period_start = composite_ranked.period_start
    and composite_scores.dealer_code = composite_ranked.dealer_code
