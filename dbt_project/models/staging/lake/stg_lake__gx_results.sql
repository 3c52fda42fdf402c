{{ stage_lake_table('gx_results', 'control/gx_results/part-*.parquet') }}
