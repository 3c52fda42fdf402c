"""The warehouse stage: `dbt build` into a new DuckDB file and its atomic publication."""
