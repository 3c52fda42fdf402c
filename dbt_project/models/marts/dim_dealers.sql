with dealers as (

    select *
    from {{ ref('stg_lake__dealers') }}

),

rolled_up as (

    select dealer_code, rolled_up_dealer_code, successor_chain_length
    from {{ ref('int_dealers_rolled_up') }}

),

regions as (

    select region_code, name_zh, north_south
    from {{ ref('regions') }}

)

select
    dealers.dealer_code,
    dealers.dealer_name,
    coalesce(by_code.region_code, by_name.region_code, dealers.region_raw, 'unassigned') as region,
    coalesce(by_code.name_zh, by_name.name_zh, dealers.region_raw, '未分配') as region_zh,
    coalesce(by_code.north_south, by_name.north_south, 'north') as north_south,
    dealers.region_raw,
    (dealers.region_raw is not null and by_code.region_code is null and by_name.region_code is null) as is_region_unknown,
    dealers.province,
    dealers.city,
    dealers.outlet_type,
    dealers.dms_vendor,
    dealers.opened_on,
    dealers.closed_on,
    case when dealers.closed_on is not null then 'closed' else 'active' end as status,
    dealers.successor_dealer_code,
    rolled_up.rolled_up_dealer_code,
    rolled_up.successor_chain_length
from dealers
left join regions as by_code
    on dealers.region_raw = by_code.region_code
left join regions as by_name
    on dealers.region_raw = by_name.name_zh
left join rolled_up
    on dealers.dealer_code = rolled_up.dealer_code
