{#- Every warranty claim as landed, with its dealer's region and whether it is a vehicle's
    first-maintenance event. -#}

with events as (

    select vin, event_dealer_code, event_document_no
    from {{ ref('int_first_maintenance_events_resolved') }}
    where event_source = 'warranty_claim'

)

select
    claims.*,
    dealers.region,
    (events.vin is not null) as is_first_maintenance_event
from {{ ref('stg_lake__warranty_claims') }} as claims
left join events
    on claims.vin = events.vin
    and claims.dealer_code = events.event_dealer_code
    and claims.claim_no = events.event_document_no
{{ join_dealer('claims') }}
