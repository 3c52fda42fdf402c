with source as (

    select * from {{ lake_source('file_ledger', 'control/file_ledger.parquet', ['file_path', 'file_sha256', 'dealer_code', 'feed', 'period', 'dialect', 'rows_read', 'rows_loaded', 'rows_quarantined', 'rows_duplicate', 'status', 'reason', 'gate_failures', 'started_at', 'finished_at', 'run_id']) }}

)

select
    cast(file_path as {{ dbt.type_string() }}) as file_path,
    cast(file_sha256 as {{ dbt.type_string() }}) as file_sha256,
    cast(dealer_code as {{ dbt.type_string() }}) as dealer_code,
    cast(feed as {{ dbt.type_string() }}) as feed,
    cast(period as {{ dbt.type_string() }}) as source_period,
    cast(dialect as {{ dbt.type_string() }}) as dialect,
    cast(rows_read as {{ dbt.type_bigint() }}) as rows_read,
    cast(rows_loaded as {{ dbt.type_bigint() }}) as rows_loaded,
    cast(rows_quarantined as {{ dbt.type_bigint() }}) as rows_quarantined,
    cast(rows_duplicate as {{ dbt.type_bigint() }}) as rows_duplicate,
    cast(status as {{ dbt.type_string() }}) as status,
    cast(reason as {{ dbt.type_string() }}) as reason,
    cast(gate_failures as {{ dbt.type_string() }}) as gate_failures,
    cast(started_at as {{ dbt.type_timestamp() }}) as started_at,
    cast(finished_at as {{ dbt.type_timestamp() }}) as finished_at,
    cast(run_id as {{ dbt.type_string() }}) as run_id
from source
