-- DuckDB's own Parquet reader loading a file into a plain table: the engine
-- limit for Parquet input. $1 the file's path.
CREATE TABLE bench_runs AS SELECT * FROM read_parquet($1::VARCHAR);
