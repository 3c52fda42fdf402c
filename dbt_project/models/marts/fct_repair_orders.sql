{#- Every repair order with its KPI flags (intermediate model), its dealer's region and
    whether it was delivered on time. -#}

select
    repair_orders.*,
    dealers.region,
    (repair_orders.promised_at is not null and repair_orders.qc_completed_at <= repair_orders.promised_at) as is_on_time
from {{ ref('int_repair_orders_comebacks_derived') }} as repair_orders
{{ join_dealer('repair_orders') }}
