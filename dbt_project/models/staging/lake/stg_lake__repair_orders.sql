{{ stage_lake_feed('repair_orders') }}
