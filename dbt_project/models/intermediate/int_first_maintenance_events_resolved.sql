{#- One first-maintenance event per VIN: the earliest approved first_maintenance claim
    (any dealer, dated by submitted_at, with the claim's odometer); without one, the
    earliest qualifying RO of category first_maintenance (any dealer, dated by
    settled_at). oem_free_maintenance is never a first maintenance. Further events are
    flagged as a data-quality warning and never count twice. -#}

with claims as (

    select
        {{ first_maintenance_event_columns('claim_no', 'submitted_at') }}
    from {{ ref('stg_lake__warranty_claims') }}
    where status = 'approved'
      and claim_type = 'first_maintenance'

),

repair_orders as (

    select
        {{ first_maintenance_event_columns('ro_no', 'settled_at') }}
    from {{ ref('int_service_visits_qualified') }}
    where ro_category = 'first_maintenance'

),

first_claims as (

    select * from claims where event_rank = 1

),

first_repair_orders as (

    select * from repair_orders where event_rank = 1

),

vehicles as (

    select vin from first_claims
    union
    select vin from first_repair_orders

)

select
    vehicles.vin,
    case when first_claims.vin is not null then 'warranty_claim' else 'repair_order' end as event_source,
    case when first_claims.vin is not null then first_claims.dealer_code else first_repair_orders.dealer_code end as event_dealer_code,
    case when first_claims.vin is not null then first_claims.document_no else first_repair_orders.document_no end as event_document_no,
    case when first_claims.vin is not null then first_claims.event_at else first_repair_orders.event_at end as event_at,
    cast(case when first_claims.vin is not null then first_claims.event_at else first_repair_orders.event_at end as date) as event_date,
    case when first_claims.vin is not null then first_claims.odometer_km else first_repair_orders.odometer_km end as event_odometer_km,
    coalesce(first_claims.event_count, 0) as approved_claim_count,
    coalesce(first_repair_orders.event_count, 0) as qualifying_ro_count,
    (coalesce(first_claims.event_count, 0) > 1 or coalesce(first_repair_orders.event_count, 0) > 1) as has_repeated_event
from vehicles
left join first_claims
    on vehicles.vin = first_claims.vin
left join first_repair_orders
    on vehicles.vin = first_repair_orders.vin
