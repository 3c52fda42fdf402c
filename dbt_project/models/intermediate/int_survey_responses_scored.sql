{#- One row per response (dealer_code, survey_id): items rescaled to 0-100, response
    score = mean of answered questionnaire items; a response answering fewer than half
    of the items is dropped (is_kept = false); top-box = rescaled overall >= 80.
    Incremental builds recompute the responses that changed (macros/recompute.sql). -#}
{{ recompute_groups(recompute_by=['dealer_code', 'survey_id'],
                    recompute_from=['stg_lake__survey_responses']) }}
{%- set items = var('csi_items') -%}

with answers as (

    select
        dealer_code,
        survey_id,
        item_code,
        surveyed_at,
        vin,
        ro_no,
        case
            when scale_max > scale_min
                then cast(score - scale_min as {{ type_double() }}) * 100 / (scale_max - scale_min)
        end as item_score
    from {{ ref('stg_lake__survey_responses') }} as staged
    where {{ in_recompute_scope('staged') }}
      and score is not null
      and item_code in ({% for item in items %}'{{ item }}'{{ ', ' if not loop.last }}{% endfor %})

),

responses as (

    select
        dealer_code,
        survey_id,
        min(surveyed_at) as surveyed_at,
        min(vin) as vin,
        min(ro_no) as ro_no,
        count(distinct item_code) as answered_item_count,
        avg(item_score) as response_score,
        max(case when item_code = 'overall' then item_score end) as overall_score
    from answers
    group by dealer_code, survey_id

)

select
    dealer_code,
    survey_id,
    surveyed_at,
    {{ month_index('surveyed_at') }} as surveyed_month_index,
    vin,
    ro_no,
    answered_item_count,
    response_score,
    overall_score,
    answered_item_count * 2 >= {{ items | length }} as is_kept,
    coalesce(overall_score >= {{ var('csi_top_box_min') }}, false) as is_top_box
from responses
