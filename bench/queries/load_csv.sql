-- DuckDB's own CSV reader loading a file into a plain table: the engine limit
-- that Yardstick's ingest is measured against. $1 the file's path.
CREATE TABLE bench_runs AS SELECT * FROM read_csv($1::VARCHAR);
