{#- Qualifying service visits: settled ROs outside pdi/internal, dated by settled_at.
    Any dealer of the network counts; rolled_up_dealer_code supports own-dealer checks. -#}

with repair_orders as (

    select *
    from {{ ref('stg_lake__repair_orders') }}

),

dealers as (

    select dealer_code, rolled_up_dealer_code
    from {{ ref('int_dealers_rolled_up') }}

)

select
    repair_orders.dealer_code,
    coalesce(dealers.rolled_up_dealer_code, repair_orders.dealer_code) as rolled_up_dealer_code,
    repair_orders.ro_no,
    repair_orders.vin,
    repair_orders.ro_category,
    repair_orders.bearer,
    repair_orders.odometer_km,
    repair_orders.arrived_at,
    repair_orders.delivered_at,
    repair_orders.settled_at,
    cast(repair_orders.settled_at as date) as settled_date,
    {{ month_index('repair_orders.settled_at') }} as settled_month_index,
    repair_orders.total_amount,
    repair_orders.uncollected_amount
from repair_orders
left join dealers
    on repair_orders.dealer_code = dealers.dealer_code
where {{ is_qualifying_visit('repair_orders.status', 'repair_orders.ro_category', 'repair_orders.settled_at') }}
