{{ stage_lake_feed('vehicle_sales') }}
