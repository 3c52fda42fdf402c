{#- Qualifying service visits: settled ROs outside pdi/internal, dated by settled_at.
    Any dealer of the network counts; rolled_up_dealer_code supports own-dealer checks.
    The ROs and their flags come from int_repair_orders_comebacks_derived (one definition
    of a qualifying visit and of the rolled-up dealer). A view: a filter and projection of
    that table reads as fast as a copy of it would, and writing the copy cost more than
    any of its readers (docs/benchmarks.md). -#}
{{ config(materialized='view') }}

select
    dealer_code,
    rolled_up_dealer_code,
    ro_no,
    vin,
    ro_category,
    bearer,
    odometer_km,
    arrived_at,
    delivered_at,
    settled_at,
    cast(settled_at as date) as settled_date,
    settled_month_index,
    total_amount,
    uncollected_amount
from {{ ref('int_repair_orders_comebacks_derived') }}
where is_qualifying_visit
