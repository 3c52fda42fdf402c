{#- Customer-experience KPIs per dealer x month, long form: CSI and top-box by
    surveyed month (top-box over the kept responses that answered `overall`); complaint
    KPIs by received month; complaint rate = cases / 车次. -#}

with responses as (

    select dealer_code, surveyed_month_index as month_index, response_score, overall_score, is_top_box
    from {{ ref('int_survey_responses_scored') }}
    where is_kept

),

complaints as (

    select *
    from {{ ref('int_complaints_timeliness_evaluated') }}

),

visit_counts as (

    select
        dealer_code,
        settled_month_index as month_index,
        count(distinct ro_no) as ro_count
    from {{ ref('int_repair_orders_comebacks_derived') }}
    where is_qualifying_visit
    group by dealer_code, settled_month_index

),

case_counts as (

    select
        dealer_code,
        received_month_index as month_index,
        count(distinct case_id) as cases,
        sum(case when is_timely_response then 1 else 0 end) as timely_responses,
        sum(case when is_timely_closure then 1 else 0 end) as timely_closures,
        sum(case when is_resolved then 1 else 0 end) as resolved_cases,
        sum(case when is_one_time_closure then 1 else 0 end) as one_time_closures
    from complaints
    group by dealer_code, received_month_index

),

complaint_rate_parts as (

    select dealer_code, month_index, cases, 0 as ro_count from case_counts
    union all
    select dealer_code, month_index, 0 as cases, ro_count from visit_counts

),

complaint_rate as (

    select dealer_code, month_index, sum(cases) as cases, sum(ro_count) as ro_count
    from complaint_rate_parts
    group by dealer_code, month_index

)

select dealer_code, month_index, 'csi' as kpi_code,
    cast(sum(response_score) as {{ type_double() }}) as numerator, cast(count(*) as {{ type_double() }}) as denominator, cast(count(*) as {{ dbt.type_bigint() }}) as sample_size
from responses
group by dealer_code, month_index
union all
select dealer_code, month_index, 'csi_top_box',
    sum(case when is_top_box then 1 else 0 end), count(overall_score), count(overall_score)
from responses
group by dealer_code, month_index
union all
select dealer_code, month_index, 'complaint_rate',
    cases, ro_count, ro_count
from complaint_rate
union all
select dealer_code, month_index, 'timely_response',
    timely_responses, cases, cases
from case_counts
union all
select dealer_code, month_index, 'timely_closure',
    timely_closures, cases, cases
from case_counts
union all
select dealer_code, month_index, 'resolution',
    resolved_cases, cases, cases
from case_counts
union all
select dealer_code, month_index, 'one_time_closure',
    one_time_closures, cases, cases
from case_counts
