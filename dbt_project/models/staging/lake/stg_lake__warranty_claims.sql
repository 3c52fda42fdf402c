with source as (

    select * from {{ lake_source('warranty_claims', 'landed/warranty_claims/*/*/*.parquet', ['dealer_code', 'claim_no', 'vin', 'ro_no', 'claim_type', 'submitted_at', 'settled_at', 'status', 'odometer_km', 'labour_amount', 'parts_amount', 'dq_flags', '_source_file', '_source_row', '_file_sha256', '_loaded_at', 'period']) }}

),

renamed as (

    select
        cast(dealer_code as {{ dbt.type_string() }}) as dealer_code,
        cast(claim_no as {{ dbt.type_string() }}) as claim_no,
        cast(vin as {{ dbt.type_string() }}) as vin,
        cast(ro_no as {{ dbt.type_string() }}) as ro_no,
        cast(claim_type as {{ dbt.type_string() }}) as claim_type,
        cast(submitted_at as {{ dbt.type_timestamp() }}) as submitted_at,
        cast(settled_at as {{ dbt.type_timestamp() }}) as settled_at,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(odometer_km as {{ dbt.type_bigint() }}) as odometer_km,
        cast(labour_amount as {{ dbt.type_numeric() }}) as labour_amount,
        cast(parts_amount as {{ dbt.type_numeric() }}) as parts_amount,
        cast(dq_flags as {{ dbt.type_string() }}) as dq_flags,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_row as {{ dbt.type_bigint() }}) as source_row,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        cast(period as {{ dbt.type_string() }}) as source_period
    from source

),

deduplicated as (

    {{ latest_per_key('renamed', ['dealer_code', 'claim_no']) }}

)

select
    dealer_code,
    claim_no,
    vin,
    ro_no,
    claim_type,
    submitted_at,
    settled_at,
    status,
    odometer_km,
    labour_amount,
    parts_amount,
    dq_flags,
    source_file,
    source_row,
    file_sha256,
    loaded_at,
    source_period
from deduplicated
