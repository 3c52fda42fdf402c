{{ stage_lake_table('feed_alerts', 'control/feed_alerts.parquet') }}
