with sales as (

    select *
    from {{ ref('stg_lake__vehicle_sales') }}

),

base as (

    select vin, selling_dealer_code, invoice_no, home_dealer_code
    from {{ ref('int_vehicle_sales_base_deduplicated') }}

),

dealers as (

    select dealer_code, region
    from {{ ref('dim_dealers') }}

)

select
    sales.dealer_code,
    dealers.region,
    sales.vin,
    sales.invoice_no,
    sales.model_code,
    sales.invoice_date,
    sales.delivery_date,
    sales.buyer_type,
    sales.use_type,
    sales.sale_type,
    sales.status,
    sales.cancel_date,
    (base.vin is not null) as is_in_sales_base,
    base.home_dealer_code,
    sales.dq_flags,
    sales.source_file,
    sales.source_row,
    sales.loaded_at
from sales
left join base
    on sales.vin = base.vin
    and sales.dealer_code = base.selling_dealer_code
    and sales.invoice_no = base.invoice_no
left join dealers
    on sales.dealer_code = dealers.dealer_code
