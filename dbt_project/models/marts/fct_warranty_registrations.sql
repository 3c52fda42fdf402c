with registrations as (

    select *
    from {{ ref('stg_lake__warranty_registrations') }}

),

matched as (

    select registration_id, registration_dealer_code, in_numerator
    from {{ ref('int_warranty_registrations_matched') }}
    where registration_id is not null

),

dealers as (

    select dealer_code, region, rolled_up_dealer_code
    from {{ ref('dim_dealers') }}

)

select
    registrations.dealer_code,
    dealers.region,
    registrations.registration_id,
    registrations.vin,
    registrations.submitted_at,
    registrations.status,
    registrations.warranty_start_date,
    registrations.reject_reason,
    registrations.customer_phone_hash,
    registrations.customer_phone_masked,
    dealers.rolled_up_dealer_code,
    (matched.registration_id is not null) as is_counted_registration,
    coalesce(matched.in_numerator, false) as is_on_time,
    registrations.dq_flags,
    registrations.source_file,
    registrations.source_row
from registrations
left join matched
    on registrations.dealer_code = matched.registration_dealer_code
    and registrations.registration_id = matched.registration_id
left join dealers
    on registrations.dealer_code = dealers.dealer_code
