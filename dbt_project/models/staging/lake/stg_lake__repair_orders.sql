with source as (

    select * from {{ lake_source('repair_orders', 'landed/repair_orders/*/*/*.parquet', ['dealer_code', 'ro_no', 'vin', 'plate_no', 'odometer_km', 'arrived_at', 'promised_at', 'qc_completed_at', 'delivered_at', 'settled_at', 'status', 'ro_category', 'bearer', 'appointment_at', 'advisor_id', 'customer_phone_hash', 'customer_phone_masked', 'labour_amount', 'parts_amount', 'other_amount', 'discount_amount', 'total_amount', 'uncollected_amount', 'parts_cost', 'dq_flags', '_source_file', '_source_row', '_file_sha256', '_loaded_at', 'period']) }}

),

renamed as (

    select
        cast(dealer_code as {{ dbt.type_string() }}) as dealer_code,
        cast(ro_no as {{ dbt.type_string() }}) as ro_no,
        cast(vin as {{ dbt.type_string() }}) as vin,
        cast(plate_no as {{ dbt.type_string() }}) as plate_no,
        cast(odometer_km as {{ dbt.type_bigint() }}) as odometer_km,
        cast(arrived_at as {{ dbt.type_timestamp() }}) as arrived_at,
        cast(promised_at as {{ dbt.type_timestamp() }}) as promised_at,
        cast(qc_completed_at as {{ dbt.type_timestamp() }}) as qc_completed_at,
        cast(delivered_at as {{ dbt.type_timestamp() }}) as delivered_at,
        cast(settled_at as {{ dbt.type_timestamp() }}) as settled_at,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(ro_category as {{ dbt.type_string() }}) as ro_category,
        cast(bearer as {{ dbt.type_string() }}) as bearer,
        cast(appointment_at as {{ dbt.type_timestamp() }}) as appointment_at,
        cast(advisor_id as {{ dbt.type_string() }}) as advisor_id,
        cast(customer_phone_hash as {{ dbt.type_string() }}) as customer_phone_hash,
        cast(customer_phone_masked as {{ dbt.type_string() }}) as customer_phone_masked,
        cast(labour_amount as {{ dbt.type_numeric() }}) as labour_amount,
        cast(parts_amount as {{ dbt.type_numeric() }}) as parts_amount,
        cast(other_amount as {{ dbt.type_numeric() }}) as other_amount,
        cast(discount_amount as {{ dbt.type_numeric() }}) as discount_amount,
        cast(total_amount as {{ dbt.type_numeric() }}) as total_amount,
        cast(uncollected_amount as {{ dbt.type_numeric() }}) as uncollected_amount,
        cast(parts_cost as {{ dbt.type_numeric() }}) as parts_cost,
        cast(dq_flags as {{ dbt.type_string() }}) as dq_flags,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_row as {{ dbt.type_bigint() }}) as source_row,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        cast(period as {{ dbt.type_string() }}) as source_period
    from source

),

deduplicated as (

    {{ latest_per_key('renamed', ['dealer_code', 'ro_no']) }}

)

select
    dealer_code,
    ro_no,
    vin,
    plate_no,
    odometer_km,
    arrived_at,
    promised_at,
    qc_completed_at,
    delivered_at,
    settled_at,
    status,
    ro_category,
    bearer,
    appointment_at,
    advisor_id,
    customer_phone_hash,
    customer_phone_masked,
    labour_amount,
    parts_amount,
    other_amount,
    discount_amount,
    total_amount,
    uncollected_amount,
    parts_cost,
    dq_flags,
    source_file,
    source_row,
    file_sha256,
    loaded_at,
    source_period
from deduplicated
