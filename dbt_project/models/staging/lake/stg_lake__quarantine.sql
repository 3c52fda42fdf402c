with source as (

    select * from {{ lake_source('quarantine', 'quarantine/*/*/*/*.parquet', ['feed', 'dealer_code', 'period', '_source_file', '_source_row', '_file_sha256', 'rule_id', 'reason', 'raw_record', '_quarantined_at']) }}

)

select
    cast(feed as {{ dbt.type_string() }}) as feed,
    cast(dealer_code as {{ dbt.type_string() }}) as dealer_code,
    cast(period as {{ dbt.type_string() }}) as source_period,
    cast(_source_file as {{ dbt.type_string() }}) as source_file,
    cast(_source_row as {{ dbt.type_bigint() }}) as source_row,
    cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
    cast(rule_id as {{ dbt.type_string() }}) as rule_id,
    cast(reason as {{ dbt.type_string() }}) as reason,
    cast(raw_record as {{ dbt.type_string() }}) as raw_record,
    cast(_quarantined_at as {{ dbt.type_timestamp() }}) as quarantined_at
from source
