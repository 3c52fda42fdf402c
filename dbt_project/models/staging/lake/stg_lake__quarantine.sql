{{ stage_lake_table('quarantine', 'quarantine/*/*.parquet') }}
