with source as (

    select * from {{ lake_source('warranty_registrations', 'landed/warranty_registrations/*/*/*.parquet', ['dealer_code', 'registration_id', 'vin', 'submitted_at', 'status', 'warranty_start_date', 'reject_reason', 'customer_phone_hash', 'customer_phone_masked', 'dq_flags', '_source_file', '_source_row', '_file_sha256', '_loaded_at', 'period']) }}

),

renamed as (

    select
        cast(dealer_code as {{ dbt.type_string() }}) as dealer_code,
        cast(registration_id as {{ dbt.type_string() }}) as registration_id,
        cast(vin as {{ dbt.type_string() }}) as vin,
        cast(submitted_at as {{ dbt.type_timestamp() }}) as submitted_at,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(warranty_start_date as date) as warranty_start_date,
        cast(reject_reason as {{ dbt.type_string() }}) as reject_reason,
        cast(customer_phone_hash as {{ dbt.type_string() }}) as customer_phone_hash,
        cast(customer_phone_masked as {{ dbt.type_string() }}) as customer_phone_masked,
        cast(dq_flags as {{ dbt.type_string() }}) as dq_flags,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_row as {{ dbt.type_bigint() }}) as source_row,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        cast(period as {{ dbt.type_string() }}) as source_period
    from source

),

deduplicated as (

    {{ latest_per_key('renamed', ['dealer_code', 'registration_id']) }}

)

select
    dealer_code,
    registration_id,
    vin,
    submitted_at,
    status,
    warranty_start_date,
    reject_reason,
    customer_phone_hash,
    customer_phone_masked,
    dq_flags,
    source_file,
    source_row,
    file_sha256,
    loaded_at,
    source_period
from deduplicated
