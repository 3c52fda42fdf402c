{{ stage_lake_feed('complaints') }}
