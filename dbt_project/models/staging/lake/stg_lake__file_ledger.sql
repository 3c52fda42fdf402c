{{ stage_lake_table('file_ledger', 'control/file_ledger/part-*.parquet') }}
