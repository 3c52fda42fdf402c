{#- Every warranty registration as landed, with its dealer's region and rolled-up code,
    whether it is the one counted for its vehicle and whether it met the deadline. -#}

with matched as (

    select registration_id, registration_dealer_code, in_numerator
    from {{ ref('int_warranty_registrations_matched') }}
    where registration_id is not null

)

select
    registrations.*,
    dealers.region,
    dealers.rolled_up_dealer_code,
    (matched.registration_id is not null) as is_counted_registration,
    coalesce(matched.in_numerator, false) as is_on_time
from {{ ref('stg_lake__warranty_registrations') }} as registrations
left join matched
    on registrations.dealer_code = matched.registration_dealer_code
    and registrations.registration_id = matched.registration_id
{{ join_dealer('registrations') }}
