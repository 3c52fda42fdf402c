{#- Churn per dealer x month M: VINs whose qualifying visits at the dealer include one in
    months M-(churn_base_months-1) .. M-churn_months and none in M-(churn_months-1) .. M,
    over VINs with a visit at the dealer in the earlier window. A row for every grid month
    with a visit at the dealer in M-(churn_base_months-1) .. M.

    Computed from each visit month v of a VIN at the dealer (next visit month n) as the
    months it counts for, instead of joining every visit to every month of its window:
      - in the denominator: M in v+churn_months .. v+(churn_base_months-1), cut before
        n+churn_months, where the next visit takes over (so a VIN counts once per month);
      - churned: v is the VIN's last visit up to M and lies in the base window, so M in
        v+churn_months .. min(v+(churn_base_months-1), n-1);
      - the row exists: M in v .. v+(churn_base_months-1).
    Each span adds +1 at its first month and -1 after its last; a running sum per dealer
    over the grid months gives the counts (spans starting before the grid count from its
    first month). -#}
{%- set churn_months = var('churn_months') -%}
{%- set oldest = var('churn_base_months') - 1 -%}

with visit_months as (

    select distinct dealer_code, vin, settled_month_index as visit_month
    from {{ ref('int_service_visits_qualified') }}

),

sequenced as (

    select
        dealer_code,
        visit_month,
        lead(visit_month) over (partition by dealer_code, vin order by visit_month) as next_visit_month
    from visit_months

),

spans as (

    select
        dealer_code,
        visit_month + {{ churn_months }} as first_month,
        least(visit_month + {{ oldest }}, coalesce(next_visit_month + {{ churn_months }} - 1, visit_month + {{ oldest }})) as last_month,
        'base' as counted
    from sequenced
    union all
    select
        dealer_code,
        visit_month + {{ churn_months }} as first_month,
        least(visit_month + {{ oldest }}, coalesce(next_visit_month - 1, visit_month + {{ oldest }})) as last_month,
        'churned' as counted
    from sequenced
    union all
    select
        dealer_code,
        visit_month as first_month,
        visit_month + {{ oldest }} as last_month,
        'active' as counted
    from sequenced

),

months as (

    select distinct month_index
    from {{ ref('int_dealer_months_spined') }}

),

bounds as (

    select min(month_index) as first_grid_month, max(month_index) as last_grid_month
    from months

),

steps as (

    select dealer_code, greatest(first_month, bounds.first_grid_month) as month_index, counted, 1 as step
    from spans
    cross join bounds
    where first_month <= last_month
      and first_month <= bounds.last_grid_month
      and last_month >= bounds.first_grid_month
    union all
    select dealer_code, last_month + 1 as month_index, counted, -1 as step
    from spans
    cross join bounds
    where first_month <= last_month
      and last_month >= bounds.first_grid_month
      and last_month < bounds.last_grid_month

),

changes as (

    select
        dealer_code,
        month_index,
        sum(case when counted = 'base' then step else 0 end) as base_change,
        sum(case when counted = 'churned' then step else 0 end) as churned_change,
        sum(case when counted = 'active' then step else 0 end) as active_change
    from steps
    group by dealer_code, month_index

),

dealer_months as (

    select dealers.dealer_code, months.month_index
    from (select distinct dealer_code from changes) as dealers
    cross join months

),

running as (

    select
        dealer_months.dealer_code,
        dealer_months.month_index,
        sum(coalesce(changes.base_change, 0)) over dealer_timeline as in_base_window,
        sum(coalesce(changes.churned_change, 0)) over dealer_timeline as churned,
        sum(coalesce(changes.active_change, 0)) over dealer_timeline as active_visits
    from dealer_months
    left join changes
        on dealer_months.dealer_code = changes.dealer_code
        and dealer_months.month_index = changes.month_index
    window dealer_timeline as (
        partition by dealer_months.dealer_code
        order by dealer_months.month_index
        rows between unbounded preceding and current row
    )

)

select
    dealer_code,
    month_index,
    'churn' as kpi_code,
    cast(churned as bigint) as numerator,
    cast(in_base_window as bigint) as denominator,
    cast(in_base_window as bigint) as sample_size
from running
where active_visits > 0
