{{ stage_lake_feed('survey_responses') }}
