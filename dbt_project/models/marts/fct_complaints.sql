with complaints as (

    select *
    from {{ ref('int_complaints_timeliness_evaluated') }}

),

dealers as (

    select dealer_code, region
    from {{ ref('dim_dealers') }}

)

select
    complaints.dealer_code,
    dealers.region,
    complaints.case_id,
    complaints.vin,
    complaints.ro_no,
    complaints.channel,
    complaints.category,
    complaints.severity,
    complaints.received_at,
    complaints.first_response_at,
    complaints.closed_at,
    complaints.reopen_count,
    complaints.resolved_confirmed,
    complaints.closure_window_hours,
    complaints.is_timely_response,
    complaints.is_timely_closure,
    complaints.is_resolved,
    complaints.is_one_time_closure
from complaints
left join dealers
    on complaints.dealer_code = dealers.dealer_code
