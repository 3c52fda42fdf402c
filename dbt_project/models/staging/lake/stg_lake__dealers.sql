with source as (

    select * from {{ source('lake', 'dealers') }}

),

renamed as (

    select
        cast(trim(dealer_code) as {{ dbt.type_string() }}) as dealer_code,
        cast(dealer_name as {{ dbt.type_string() }}) as dealer_name,
        cast(nullif(trim(region), '') as {{ dbt.type_string() }}) as region_raw,
        cast(province as {{ dbt.type_string() }}) as province,
        cast(city as {{ dbt.type_string() }}) as city,
        cast(outlet_type as {{ dbt.type_string() }}) as outlet_type,
        cast(opened_on as date) as opened_on,
        cast(closed_on as date) as closed_on,
        cast(nullif(trim(successor_dealer_code), '') as {{ dbt.type_string() }}) as successor_dealer_code,
        cast(dms_vendor as {{ dbt.type_string() }}) as dms_vendor
    from source

),

deduplicated as (

    select
        *,
        row_number() over (partition by dealer_code order by dealer_name) as dealer_rank
    from renamed

)

select
    dealer_code,
    dealer_name,
    region_raw,
    province,
    city,
    outlet_type,
    opened_on,
    closed_on,
    successor_dealer_code,
    dms_vendor
from deduplicated
where dealer_rank = 1
