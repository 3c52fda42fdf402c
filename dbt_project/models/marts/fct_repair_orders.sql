with repair_orders as (

    select *
    from {{ ref('int_repair_orders_comebacks_derived') }}

),

dealers as (

    select dealer_code, region
    from {{ ref('dim_dealers') }}

)

select
    repair_orders.dealer_code,
    dealers.region,
    repair_orders.ro_no,
    repair_orders.vin,
    repair_orders.plate_no,
    repair_orders.odometer_km,
    repair_orders.arrived_at,
    repair_orders.promised_at,
    repair_orders.qc_completed_at,
    repair_orders.delivered_at,
    repair_orders.settled_at,
    repair_orders.status,
    repair_orders.ro_category,
    repair_orders.bearer,
    repair_orders.appointment_at,
    repair_orders.advisor_id,
    repair_orders.customer_phone_hash,
    repair_orders.customer_phone_masked,
    repair_orders.labour_amount,
    repair_orders.parts_amount,
    repair_orders.other_amount,
    repair_orders.discount_amount,
    repair_orders.total_amount,
    repair_orders.uncollected_amount,
    repair_orders.parts_cost,
    repair_orders.is_qualifying_visit,
    repair_orders.is_repair,
    repair_orders.is_comeback_declared,
    repair_orders.is_comeback_derived,
    repair_orders.comeback_of_ro_no,
    (repair_orders.promised_at is not null and repair_orders.qc_completed_at <= repair_orders.promised_at) as is_on_time,
    repair_orders.dq_flags
from repair_orders
left join dealers
    on repair_orders.dealer_code = dealers.dealer_code
