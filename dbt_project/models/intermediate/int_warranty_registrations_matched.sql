{#- Each sales-base VIN matched to the earliest accepted warranty registration submitted
    by its (rolled-up) home dealer; on time when submitted_at (as a date) is at most
    wr_deadline_days after delivery_date (invoice_date when no delivery date).
    Registrations by other dealers never count and are flagged. -#}

with base as (

    select vin, home_dealer_code, invoice_date, delivery_date, invoice_month_index, invoice_year
    from {{ ref('int_vehicle_sales_base_deduplicated') }}

),

registrations as (

    select
        registration.registration_id,
        registration.dealer_code,
        {{ rolled_up_dealer_code('registration') }} as rolled_up_dealer_code,
        registration.vin,
        registration.status,
        registration.submitted_at
    from {{ ref('stg_lake__warranty_registrations') }} as registration
    {{ join_rolled_up_dealer('registration') }}

),

home_accepted as (

    select
        base.vin,
        registrations.registration_id,
        registrations.dealer_code as registration_dealer_code,
        registrations.submitted_at,
        row_number() over (
            partition by base.vin
            order by registrations.submitted_at, registrations.registration_id
        ) as registration_rank
    from base
    inner join registrations
        on registrations.vin = base.vin
        and registrations.rolled_up_dealer_code = base.home_dealer_code
        and registrations.status = 'accepted'

),

other_dealers as (

    select
        base.vin,
        min(registrations.dealer_code) as other_dealer_code
    from base
    inner join registrations
        on registrations.vin = base.vin
        and registrations.rolled_up_dealer_code <> base.home_dealer_code
        and registrations.status = 'accepted'
    group by base.vin

),

home_rejected as (

    select
        base.vin,
        count(*) as rejected_count
    from base
    inner join registrations
        on registrations.vin = base.vin
        and registrations.rolled_up_dealer_code = base.home_dealer_code
        and registrations.status = 'rejected'
    group by base.vin

),

matched as (

    select
        base.vin,
        base.home_dealer_code,
        base.invoice_date,
        base.delivery_date,
        base.invoice_month_index,
        base.invoice_year,
        coalesce(base.delivery_date, base.invoice_date) as reference_date,
        case when base.delivery_date is null then 'invoice' else 'delivery' end as reference_kind,
        {{ add_days('coalesce(base.delivery_date, base.invoice_date)', var('wr_deadline_days')) }} as deadline_date,
        home_accepted.registration_id,
        home_accepted.registration_dealer_code,
        home_accepted.submitted_at,
        cast(home_accepted.submitted_at as date) as submitted_date,
        other_dealers.other_dealer_code,
        coalesce(home_rejected.rejected_count, 0) as rejected_count
    from base
    left join home_accepted
        on base.vin = home_accepted.vin
        and home_accepted.registration_rank = 1
    left join other_dealers
        on base.vin = other_dealers.vin
    left join home_rejected
        on base.vin = home_rejected.vin

)

select
    vin,
    home_dealer_code,
    invoice_date,
    delivery_date,
    invoice_month_index,
    invoice_year,
    reference_date,
    deadline_date,
    registration_id,
    registration_dealer_code,
    submitted_at,
    submitted_date,
    {{ dbt.datediff('reference_date', 'submitted_date', 'day') }} as days_after_reference,
    other_dealer_code,
    other_dealer_code is not null as is_registered_by_other_dealer,
    rejected_count,
    coalesce(submitted_date <= deadline_date, false) as in_numerator,
    case
        when submitted_date is not null
            then {{ dbt.concat(["case when reference_kind = 'delivery' then '交车后 ' else '开票后 ' end", "cast(" ~ dbt.datediff('reference_date', 'submitted_date', 'day') ~ " as " ~ dbt.type_string() ~ ")", "' 天登记'", "case when submitted_date > deadline_date then '（时限 " ~ var('wr_deadline_days') ~ " 天）' else '' end"]) }}
        when other_dealer_code is not null
            then {{ dbt.concat(["'仅由其他经销商登记（'", "other_dealer_code", "'）'"]) }}
        when rejected_count > 0
            then '登记被拒，未重新提交通过'
        else '无已受理的登记'
    end as reason
from matched
