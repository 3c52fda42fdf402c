{#- Regional and national figures per period and KPI: Σ numerators / Σ denominators
    over dealers (counts: Σ). scope = 'region' rows carry the region code; the
    'national' rows carry region = 'national'. -#}

with kpis as (

    {{ dealer_kpis() }}

),

dealers as (

    select dealer_code, region, region_zh
    from {{ ref('dim_dealers') }}

),

catalog as (

    select kpi_code, measure_type
    from {{ ref('kpi_catalog') }}

),

by_region as (

    select
        'region' as scope,
        dealers.region,
        min(dealers.region_zh) as region_zh,
        kpis.period_grain,
        kpis.period_start,
        kpis.period_label,
        kpis.kpi_code,
        sum(kpis.numerator) as numerator,
        sum(kpis.denominator) as denominator,
        count(*) as dealer_count
    from kpis
    inner join dealers
        on kpis.dealer_code = dealers.dealer_code
    group by dealers.region, kpis.period_grain, kpis.period_start, kpis.period_label, kpis.kpi_code

),

national as (

    select
        'national' as scope,
        'national' as region,
        '全国' as region_zh,
        period_grain,
        period_start,
        period_label,
        kpi_code,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        sum(dealer_count) as dealer_count
    from by_region
    group by period_grain, period_start, period_label, kpi_code

),

combined as (

    select * from by_region
    union all
    select * from national

)

select
    combined.scope,
    combined.region,
    combined.region_zh,
    combined.period_grain,
    combined.period_start,
    combined.period_label,
    combined.kpi_code,
    combined.numerator,
    combined.denominator,
    case
        when catalog.measure_type = 'count' then combined.numerator
        else {{ safe_divide('combined.numerator', 'combined.denominator') }}
    end as value,
    combined.dealer_count
from combined
inner join catalog
    on combined.kpi_code = catalog.kpi_code
