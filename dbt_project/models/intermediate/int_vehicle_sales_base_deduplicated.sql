{#- Sales base (docs/kpis.md): valid retail sales (status is the latest known, so a
    later cancellation removes the sale for every period), then one row per VIN - the
    earliest invoice_date, ties by invoice_no then dealer_code. The home dealer is the
    selling dealer rolled up along its successor chain. -#}

with sales as (

    select *
    from {{ ref('stg_lake__vehicle_sales') }}
    where sale_type = 'retail'
      and status = 'valid'

),

ranked as (

    select
        sales.*,
        row_number() over (
            partition by sales.vin
            order by sales.invoice_date, sales.invoice_no, sales.dealer_code
        ) as sale_rank,
        count(*) over (partition by sales.vin) as valid_retail_sale_count
    from sales

)

select
    ranked.vin,
    ranked.dealer_code as selling_dealer_code,
    {{ rolled_up_dealer_code('ranked') }} as home_dealer_code,
    ranked.model_code,
    ranked.invoice_no,
    ranked.invoice_date,
    ranked.delivery_date,
    ranked.buyer_type,
    ranked.use_type,
    {{ month_index('ranked.invoice_date') }} as invoice_month_index,
    cast(extract(year from ranked.invoice_date) as integer) as invoice_year,
    ranked.valid_retail_sale_count > 1 as has_duplicate_sale
from ranked
{{ join_rolled_up_dealer('ranked') }}
where ranked.sale_rank = 1
