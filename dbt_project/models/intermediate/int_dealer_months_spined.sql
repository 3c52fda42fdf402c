{#- Output grid: every dealer of the master x every month from the first to the last
    month in which any feed has landed data (file periods), so a missing month shows. -#}

with periods as (

    select source_period from {{ ref('stg_lake__vehicle_sales') }}
    union
    select source_period from {{ ref('stg_lake__repair_orders') }}
    union
    select source_period from {{ ref('stg_lake__warranty_registrations') }}
    union
    select source_period from {{ ref('stg_lake__warranty_claims') }}
    union
    select source_period from {{ ref('stg_lake__survey_responses') }}
    union
    select source_period from {{ ref('stg_lake__complaints') }}

),

bounds as (

    select
        min({{ month_index_from_label('source_period') }}) as first_month_index,
        max({{ month_index_from_label('source_period') }}) as last_month_index
    from periods

),

offsets as (

    {{ integers_below(1000) }}

),

months as (

    select bounds.first_month_index + offsets.n as month_index
    from bounds
    inner join offsets
        on offsets.n <= bounds.last_month_index - bounds.first_month_index

),

dealers as (

    select dealer_code
    from {{ ref('stg_lake__dealers') }}

)

select
    dealers.dealer_code,
    months.month_index,
    {{ month_start_from_index('months.month_index') }} as month_start,
    {{ month_end_from_index('months.month_index') }} as month_end,
    {{ period_label_from_index('months.month_index') }} as period_label,
    cast(floor(months.month_index / 12) as integer) as period_year,
    {{ month_end_from_index('bounds.last_month_index') }} as data_end_date
from dealers
cross join months
cross join bounds
