with base as (

    select *
    from {{ ref('int_vehicle_sales_base_deduplicated') }}

),

serviced_only as (

    select
        vin,
        min(dealer_code) as dealer_code,
        min(settled_date) as first_visit_date
    from {{ ref('int_service_visits_qualified') }}
    where vin not in (select vin from base)
    group by vin

),

dealers as (

    select dealer_code, region
    from {{ ref('dim_dealers') }}

),

vehicles as (

    select
        base.vin,
        base.home_dealer_code as dealer_code,
        base.selling_dealer_code,
        base.model_code,
        base.invoice_no,
        base.invoice_date,
        base.delivery_date,
        base.buyer_type,
        base.use_type,
        true as is_in_sales_base,
        base.has_duplicate_sale
    from base

    union all

    select
        serviced_only.vin,
        serviced_only.dealer_code,
        cast(null as {{ dbt.type_string() }}) as selling_dealer_code,
        cast(null as {{ dbt.type_string() }}) as model_code,
        cast(null as {{ dbt.type_string() }}) as invoice_no,
        cast(null as date) as invoice_date,
        cast(null as date) as delivery_date,
        cast(null as {{ dbt.type_string() }}) as buyer_type,
        cast(null as {{ dbt.type_string() }}) as use_type,
        false as is_in_sales_base,
        false as has_duplicate_sale
    from serviced_only

)

select
    vehicles.*,
    dealers.region
from vehicles
left join dealers
    on vehicles.dealer_code = dealers.dealer_code
