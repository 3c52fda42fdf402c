{#- Service-operation KPIs per dealer (that did the work) x month, long form.
    车次 = qualifying visits settled in the month; sample_size drives low_sample. -#}

with repair_orders as (

    select *
    from {{ ref('int_repair_orders_comebacks_derived') }}

),

visits as (

    select
        dealer_code,
        settled_month_index as month_index,
        count(distinct ro_no) as ro_count,
        count(distinct vin) as vehicle_count,
        sum(total_amount) as revenue,
        sum(case when is_comeback_declared then 1 else 0 end) as declared_comebacks,
        sum(case when is_comeback_derived then 1 else 0 end) as derived_comebacks,
        sum(
            case
                when appointment_at <= {{ dbt.dateadd('hour', -1 * var('appointment_lead_hours'), 'arrived_at') }} then 1
                else 0
            end
        ) as appointments
    from repair_orders
    where is_qualifying_visit
    group by dealer_code, settled_month_index

),

customer_paid as (

    select
        dealer_code,
        settled_month_index as month_index,
        sum(total_amount - coalesce(uncollected_amount, 0)) as revenue,
        count(distinct vin) as vehicle_count
    from repair_orders
    where is_qualifying_visit
      and bearer = 'customer'
    group by dealer_code, settled_month_index

),

on_time as (

    select
        dealer_code,
        qc_month_index as month_index,
        sum(case when promised_at is not null and qc_completed_at <= promised_at then 1 else 0 end) as on_time_count,
        count(*) as qc_completed_count
    from repair_orders
    where is_service_scope
      and qc_completed_at is not null
    group by dealer_code, qc_month_index

),

throughput as (

    select
        dealer_code,
        arrived_month_index as month_index,
        count(*) as arrivals,
        count(distinct cast(arrived_at as date)) as working_days,
        count(distinct advisor_id) as advisors
    from repair_orders
    where is_service_scope
    group by dealer_code, arrived_month_index

)

select dealer_code, month_index, 'ro_count' as kpi_code,
    cast(ro_count as {{ type_double() }}) as numerator, cast(null as {{ type_double() }}) as denominator, cast(null as {{ dbt.type_bigint() }}) as sample_size
from visits
union all
select dealer_code, month_index, 'vehicle_count',
    vehicle_count, null, null
from visits
union all
select dealer_code, month_index, 'revenue_per_vehicle',
    revenue, vehicle_count, vehicle_count
from visits
union all
select dealer_code, month_index, 'revenue_per_vehicle_customer',
    revenue, vehicle_count, vehicle_count
from customer_paid
union all
select dealer_code, month_index, 'comeback_declared',
    declared_comebacks, ro_count, ro_count
from visits
union all
select dealer_code, month_index, 'comeback_derived',
    derived_comebacks, ro_count, ro_count
from visits
union all
-- a declared comeback is a rework RO and a derived one a repair RO: no RO is both
select dealer_code, month_index, 'comeback',
    declared_comebacks + derived_comebacks, ro_count, ro_count
from visits
union all
select dealer_code, month_index, 'appointment_rate',
    appointments, ro_count, ro_count
from visits
union all
select dealer_code, month_index, 'on_time_delivery',
    on_time_count, qc_completed_count, qc_completed_count
from on_time
union all
select dealer_code, month_index, 'advisor_throughput',
    arrivals, working_days * advisors, working_days * advisors
from throughput
