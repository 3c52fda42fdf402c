with source as (

    select * from {{ lake_source('gx_results', 'control/gx_results.parquet', ['run_id', 'validated_at', 'dealer_code', 'feed', 'period', 'file_path', 'suite', 'expectation', 'policy', 'success', 'observed_value']) }}

)

select
    cast(run_id as {{ dbt.type_string() }}) as run_id,
    cast(validated_at as {{ dbt.type_timestamp() }}) as validated_at,
    cast(dealer_code as {{ dbt.type_string() }}) as dealer_code,
    cast(feed as {{ dbt.type_string() }}) as feed,
    cast(period as {{ dbt.type_string() }}) as source_period,
    cast(file_path as {{ dbt.type_string() }}) as file_path,
    cast(suite as {{ dbt.type_string() }}) as suite,
    cast(expectation as {{ dbt.type_string() }}) as expectation,
    cast(policy as {{ dbt.type_string() }}) as policy,
    cast(success as {{ dbt.type_boolean() }}) as is_success,
    cast(observed_value as {{ dbt.type_string() }}) as observed_value
from source
