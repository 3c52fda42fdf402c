{#- Every repair order with its KPI flags (intermediate model), its dealer's region and
    whether it was delivered on time. Incremental builds recompute the (dealer_code, VIN)
    groups that changed, as the intermediate model does (macros/recompute.sql). -#}
{{ recompute_groups(recompute_by=['dealer_code', 'vin'], recompute_from=['stg_lake__repair_orders'],
                    dealer_attributes=['region', 'rolled_up_dealer_code']) }}

select
    repair_orders.*,
    dealers.region,
    (repair_orders.promised_at is not null and repair_orders.qc_completed_at <= repair_orders.promised_at) as is_on_time
from {{ ref('int_repair_orders_comebacks_derived') }} as repair_orders
{{ join_dealer('repair_orders') }}
where {{ in_recompute_scope('repair_orders') }}
