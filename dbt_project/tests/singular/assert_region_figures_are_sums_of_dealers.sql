-- Network figures are Σ numerators / Σ denominators over dealers (docs/kpis.md, precise
-- reading 17): each region row of kpi_region_summary must equal the sum over the
-- region's dealers in kpi_dealer_monthly / kpi_dealer_yearly, and each national row the
-- sum over all dealers. Returns the mismatching rows.

with dealer_kpis as (

    {{ dealer_kpis() }}

),

dealer_sums as (

    select
        dealers.region,
        dealer_kpis.period_grain,
        dealer_kpis.period_start,
        dealer_kpis.kpi_code,
        sum(dealer_kpis.numerator) as numerator,
        sum(dealer_kpis.denominator) as denominator
    from dealer_kpis
    inner join {{ ref('dim_dealers') }} as dealers
        on dealer_kpis.dealer_code = dealers.dealer_code
    group by dealers.region, dealer_kpis.period_grain, dealer_kpis.period_start, dealer_kpis.kpi_code

    union all

    select
        'national' as region,
        period_grain,
        period_start,
        kpi_code,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from dealer_kpis
    group by period_grain, period_start, kpi_code

),

regions as (

    select *
    from {{ ref('kpi_region_summary') }}

)

select
    coalesce(dealer_sums.region, regions.region) as region,
    coalesce(dealer_sums.period_grain, regions.period_grain) as period_grain,
    coalesce(dealer_sums.period_start, regions.period_start) as period_start,
    coalesce(dealer_sums.kpi_code, regions.kpi_code) as kpi_code,
    dealer_sums.numerator as dealer_numerator,
    regions.numerator as region_numerator,
    dealer_sums.denominator as dealer_denominator,
    regions.denominator as region_denominator
from dealer_sums
full outer join regions
    on dealer_sums.region = regions.region
    and dealer_sums.period_grain = regions.period_grain
    and dealer_sums.period_start = regions.period_start
    and dealer_sums.kpi_code = regions.kpi_code
where dealer_sums.region is null
   or regions.region is null
   or abs(dealer_sums.numerator - regions.numerator) > 1e-6
   or coalesce(abs(dealer_sums.denominator - regions.denominator), 0) > 1e-6
   or (dealer_sums.denominator is null) <> (regions.denominator is null)
