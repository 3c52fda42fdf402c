with claims as (

    select *
    from {{ ref('stg_lake__warranty_claims') }}

),

events as (

    select vin, event_dealer_code, event_document_no
    from {{ ref('int_first_maintenance_events_resolved') }}
    where event_source = 'warranty_claim'

),

dealers as (

    select dealer_code, region
    from {{ ref('dim_dealers') }}

)

select
    claims.dealer_code,
    dealers.region,
    claims.claim_no,
    claims.vin,
    claims.ro_no,
    claims.claim_type,
    claims.submitted_at,
    claims.settled_at,
    claims.status,
    claims.odometer_km,
    claims.labour_amount,
    claims.parts_amount,
    (events.vin is not null) as is_first_maintenance_event,
    claims.dq_flags,
    claims.source_file,
    claims.source_row
from claims
left join events
    on claims.vin = events.vin
    and claims.dealer_code = events.event_dealer_code
    and claims.claim_no = events.event_document_no
left join dealers
    on claims.dealer_code = dealers.dealer_code
