{#- Every sale as landed, with its dealer's region and whether it is the VIN's row in the
    sales base (retail, valid, earliest invoice). -#}

with base as (

    select vin, selling_dealer_code, invoice_no, home_dealer_code
    from {{ ref('int_vehicle_sales_base_deduplicated') }}

)

select
    sales.*,
    dealers.region,
    (base.vin is not null) as is_in_sales_base,
    base.home_dealer_code
from {{ ref('stg_lake__vehicle_sales') }} as sales
left join base
    on sales.vin = base.vin
    and sales.dealer_code = base.selling_dealer_code
    and sales.invoice_no = base.invoice_no
{{ join_dealer('sales') }}
