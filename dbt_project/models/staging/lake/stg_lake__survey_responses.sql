with source as (

    select * from {{ lake_source('survey_responses', 'landed/survey_responses/*/*/*.parquet', ['dealer_code', 'survey_id', 'ro_no', 'vin', 'surveyed_at', 'item_code', 'score', 'scale_min', 'scale_max', 'dq_flags', '_source_file', '_source_row', '_file_sha256', '_loaded_at', 'period']) }}

),

renamed as (

    select
        cast(dealer_code as {{ dbt.type_string() }}) as dealer_code,
        cast(survey_id as {{ dbt.type_string() }}) as survey_id,
        cast(ro_no as {{ dbt.type_string() }}) as ro_no,
        cast(vin as {{ dbt.type_string() }}) as vin,
        cast(surveyed_at as {{ dbt.type_timestamp() }}) as surveyed_at,
        cast(item_code as {{ dbt.type_string() }}) as item_code,
        cast(score as {{ dbt.type_bigint() }}) as score,
        cast(scale_min as {{ dbt.type_bigint() }}) as scale_min,
        cast(scale_max as {{ dbt.type_bigint() }}) as scale_max,
        cast(dq_flags as {{ dbt.type_string() }}) as dq_flags,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_row as {{ dbt.type_bigint() }}) as source_row,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        cast(period as {{ dbt.type_string() }}) as source_period
    from source

),

deduplicated as (

    {{ latest_per_key('renamed', ['dealer_code', 'survey_id', 'item_code']) }}

)

select
    dealer_code,
    survey_id,
    ro_no,
    vin,
    surveyed_at,
    item_code,
    score,
    scale_min,
    scale_max,
    dq_flags,
    source_file,
    source_row,
    file_sha256,
    loaded_at,
    source_period
from deduplicated
