with source as (

    select * from {{ lake_source('vehicle_sales', 'landed/vehicle_sales/*/*/*.parquet', ['dealer_code', 'vin', 'model_code', 'invoice_no', 'invoice_date', 'delivery_date', 'buyer_type', 'use_type', 'sale_type', 'status', 'cancel_date', 'dq_flags', '_source_file', '_source_row', '_file_sha256', '_loaded_at', 'period']) }}

),

renamed as (

    select
        cast(dealer_code as {{ dbt.type_string() }}) as dealer_code,
        cast(vin as {{ dbt.type_string() }}) as vin,
        cast(model_code as {{ dbt.type_string() }}) as model_code,
        cast(invoice_no as {{ dbt.type_string() }}) as invoice_no,
        cast(invoice_date as date) as invoice_date,
        cast(delivery_date as date) as delivery_date,
        cast(buyer_type as {{ dbt.type_string() }}) as buyer_type,
        cast(use_type as {{ dbt.type_string() }}) as use_type,
        cast(sale_type as {{ dbt.type_string() }}) as sale_type,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(cancel_date as date) as cancel_date,
        cast(dq_flags as {{ dbt.type_string() }}) as dq_flags,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_row as {{ dbt.type_bigint() }}) as source_row,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        cast(period as {{ dbt.type_string() }}) as source_period
    from source

),

deduplicated as (

    {{ latest_per_key('renamed', ['dealer_code', 'vin', 'invoice_no']) }}

)

select
    dealer_code,
    vin,
    model_code,
    invoice_no,
    invoice_date,
    delivery_date,
    buyer_type,
    use_type,
    sale_type,
    status,
    cancel_date,
    dq_flags,
    source_file,
    source_row,
    file_sha256,
    loaded_at,
    source_period
from deduplicated
