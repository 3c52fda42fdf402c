{#- Every survey answer (one item of one response) as landed, rescaled to 0-100, with its
    response's score and whether the response was kept and top-box. Incremental builds
    recompute the responses that changed (macros/recompute.sql). -#}
{{ recompute_groups(recompute_by=['dealer_code', 'survey_id'],
                    recompute_from=['stg_lake__survey_responses'], dealer_attributes=['region']) }}

with responses as (

    select dealer_code, survey_id, response_score, answered_item_count, is_kept, is_top_box
    from {{ ref('int_survey_responses_scored') }} as scored
    where {{ in_recompute_scope('scored') }}

)

select
    answers.*,
    dealers.region,
    case
        when answers.scale_max > answers.scale_min
            then cast(answers.score - answers.scale_min as {{ type_double() }}) * 100 / (answers.scale_max - answers.scale_min)
    end as item_score_100,
    responses.response_score,
    responses.answered_item_count,
    coalesce(responses.is_kept, false) as is_response_kept,
    coalesce(responses.is_top_box, false) as is_response_top_box
from {{ ref('stg_lake__survey_responses') }} as answers
left join responses
    on answers.dealer_code = responses.dealer_code
    and answers.survey_id = responses.survey_id
{{ join_dealer('answers') }}
where {{ in_recompute_scope('answers') }}
