{#- Complaint cases with their timeliness flags: response within response_hours,
    closure within closure_hours (closure_hours_major for severity major; a missing
    severity gets the normal window); missing times are not timely, reopen_count NULL = 0. -#}

with complaints as (

    select *
    from {{ ref('stg_lake__complaints') }}

),

windows as (

    select
        complaints.*,
        coalesce(complaints.reopen_count, 0) as reopen_count_clean,
        case
            when complaints.severity = 'major' then {{ var('closure_hours_major') }}
            else {{ var('closure_hours') }}
        end as closure_window_hours
    from complaints

),

flagged as (

    select
        windows.*,
        coalesce(windows.first_response_at <= {{ dbt.dateadd('hour', var('response_hours'), 'windows.received_at') }}, false) as is_timely_response,
        coalesce(windows.closed_at <= {{ dbt.dateadd('hour', 'windows.closure_window_hours', 'windows.received_at') }}, false) as is_timely_closure
    from windows

)

select
    dealer_code,
    case_id,
    vin,
    ro_no,
    channel,
    category,
    severity,
    received_at,
    first_response_at,
    closed_at,
    reopen_count_clean as reopen_count,
    resolved_confirmed,
    {{ month_index('received_at') }} as received_month_index,
    closure_window_hours,
    is_timely_response,
    is_timely_closure,
    coalesce(resolved_confirmed, false) as is_resolved,
    (is_timely_closure and reopen_count_clean = 0) as is_one_time_closure
from flagged
