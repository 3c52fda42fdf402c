with source as (

    select * from {{ lake_source('feed_alerts', 'control/feed_alerts.parquet', ['alert_id', 'raised_at', 'kind', 'dealer_code', 'feed', 'period', 'message']) }}

)

select
    cast(alert_id as {{ dbt.type_string() }}) as alert_id,
    cast(raised_at as {{ dbt.type_timestamp() }}) as raised_at,
    cast(kind as {{ dbt.type_string() }}) as kind,
    cast(dealer_code as {{ dbt.type_string() }}) as dealer_code,
    cast(feed as {{ dbt.type_string() }}) as feed,
    cast(period as {{ dbt.type_string() }}) as source_period,
    cast(message as {{ dbt.type_string() }}) as message
from source
