with answers as (

    select *
    from {{ ref('stg_lake__survey_responses') }}

),

responses as (

    select dealer_code, survey_id, response_score, answered_item_count, is_kept, is_top_box
    from {{ ref('int_survey_responses_scored') }}

),

dealers as (

    select dealer_code, region
    from {{ ref('dim_dealers') }}

)

select
    answers.dealer_code,
    dealers.region,
    answers.survey_id,
    answers.item_code,
    answers.ro_no,
    answers.vin,
    answers.surveyed_at,
    answers.score,
    answers.scale_min,
    answers.scale_max,
    case
        when answers.scale_max > answers.scale_min
            then cast(answers.score - answers.scale_min as {{ type_double() }}) * 100 / (answers.scale_max - answers.scale_min)
    end as item_score_100,
    responses.response_score,
    responses.answered_item_count,
    coalesce(responses.is_kept, false) as is_response_kept,
    coalesce(responses.is_top_box, false) as is_response_top_box,
    answers.source_file,
    answers.source_row
from answers
left join responses
    on answers.dealer_code = responses.dealer_code
    and answers.survey_id = responses.survey_id
left join dealers
    on answers.dealer_code = dealers.dealer_code
