with source as (

    select * from {{ lake_source('complaints', 'landed/complaints/*/*/*.parquet', ['dealer_code', 'case_id', 'vin', 'ro_no', 'channel', 'category', 'severity', 'received_at', 'first_response_at', 'closed_at', 'reopen_count', 'resolved_confirmed', 'dq_flags', '_source_file', '_source_row', '_file_sha256', '_loaded_at', 'period']) }}

),

renamed as (

    select
        cast(dealer_code as {{ dbt.type_string() }}) as dealer_code,
        cast(case_id as {{ dbt.type_string() }}) as case_id,
        cast(vin as {{ dbt.type_string() }}) as vin,
        cast(ro_no as {{ dbt.type_string() }}) as ro_no,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(severity as {{ dbt.type_string() }}) as severity,
        cast(received_at as {{ dbt.type_timestamp() }}) as received_at,
        cast(first_response_at as {{ dbt.type_timestamp() }}) as first_response_at,
        cast(closed_at as {{ dbt.type_timestamp() }}) as closed_at,
        cast(reopen_count as {{ dbt.type_bigint() }}) as reopen_count,
        cast(resolved_confirmed as {{ dbt.type_boolean() }}) as resolved_confirmed,
        cast(dq_flags as {{ dbt.type_string() }}) as dq_flags,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_row as {{ dbt.type_bigint() }}) as source_row,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        cast(period as {{ dbt.type_string() }}) as source_period
    from source

),

deduplicated as (

    {{ latest_per_key('renamed', ['dealer_code', 'case_id']) }}

)

select
    dealer_code,
    case_id,
    vin,
    ro_no,
    channel,
    category,
    severity,
    received_at,
    first_response_at,
    closed_at,
    reopen_count,
    resolved_confirmed,
    dq_flags,
    source_file,
    source_row,
    file_sha256,
    loaded_at,
    source_period
from deduplicated
