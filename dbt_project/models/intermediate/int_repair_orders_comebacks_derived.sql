{#- Every RO with its KPI flags. Derived comeback: a qualifying repair RO (minor_repair,
    major_repair, warranty) arriving after an earlier qualifying repair RO's delivered_at
    for the same VIN at the same raw dealer_code, at most comeback_days x 24 h later (a
    closed predecessor's RO and its successor's never pair: the work was done by two
    outlets). Every row depends only on the ROs of its (dealer_code, VIN): incremental
    builds recompute the groups that changed (macros/recompute.sql). -#}
{{ recompute_groups(recompute_by=['dealer_code', 'vin'], recompute_from=['stg_lake__repair_orders'],
                    dealer_attributes=['rolled_up_dealer_code']) }}

with repair_orders as (

    select *
    from {{ ref('stg_lake__repair_orders') }} as staged
    where {{ in_recompute_scope('staged') }}

),

flagged as (

    select
        repair_orders.*,
        {{ rolled_up_dealer_code('repair_orders') }} as rolled_up_dealer_code,
        {{ is_qualifying_visit('repair_orders.status', 'repair_orders.ro_category', 'repair_orders.settled_at') }} as is_qualifying_visit,
        {{ is_service_scope('repair_orders.status', 'repair_orders.ro_category') }} as is_service_scope,
        {{ is_repair_category('repair_orders.ro_category') }} as is_repair
    from repair_orders
    {{ join_rolled_up_dealer('repair_orders') }}

),

repairs as (

    select dealer_code, ro_no, vin, arrived_at, delivered_at
    from flagged
    where is_qualifying_visit and is_repair

),

comebacks as (

    select
        later_ro.dealer_code,
        later_ro.ro_no,
        max(earlier_ro.ro_no) as comeback_of_ro_no
    from repairs as later_ro
    inner join repairs as earlier_ro
        on later_ro.vin = earlier_ro.vin
        and later_ro.dealer_code = earlier_ro.dealer_code
        and later_ro.arrived_at > earlier_ro.delivered_at
        and later_ro.arrived_at <= {{ dbt.dateadd('hour', var('comeback_days') * 24, 'earlier_ro.delivered_at') }}
    group by later_ro.dealer_code, later_ro.ro_no

)

select
    flagged.dealer_code,
    flagged.rolled_up_dealer_code,
    flagged.ro_no,
    flagged.vin,
    flagged.plate_no,
    flagged.odometer_km,
    flagged.arrived_at,
    flagged.promised_at,
    flagged.qc_completed_at,
    flagged.delivered_at,
    flagged.settled_at,
    flagged.status,
    flagged.ro_category,
    flagged.bearer,
    flagged.appointment_at,
    flagged.advisor_id,
    flagged.customer_phone_hash,
    flagged.customer_phone_masked,
    flagged.labour_amount,
    flagged.parts_amount,
    flagged.other_amount,
    flagged.discount_amount,
    flagged.total_amount,
    flagged.uncollected_amount,
    flagged.parts_cost,
    flagged.dq_flags,
    flagged.is_qualifying_visit,
    flagged.is_service_scope,
    flagged.is_repair,
    (flagged.is_qualifying_visit and flagged.ro_category = 'rework') as is_comeback_declared,
    (comebacks.ro_no is not null) as is_comeback_derived,
    comebacks.comeback_of_ro_no,
    case when flagged.is_qualifying_visit then {{ month_index('flagged.settled_at') }} end as settled_month_index,
    {{ month_index('flagged.qc_completed_at') }} as qc_month_index,
    {{ month_index('flagged.arrived_at') }} as arrived_month_index
from flagged
left join comebacks
    on flagged.dealer_code = comebacks.dealer_code
    and flagged.ro_no = comebacks.ro_no
