-- The rows that arrived in a lake table's Parquet files ($1: a glob).
SELECT count(*) FROM read_parquet($1::VARCHAR);
