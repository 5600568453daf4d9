-- DuckDB reading a lake snapshot (Store::open_lake): an in-memory database
-- gets schema.sql (its macros are what the metric SQL calls), then its five
-- tables are swapped for views over the snapshot's Parquet files, so every
-- query of queries/ runs unchanged on the lake. Views take no parameters:
-- __DIR__ is the snapshot directory, written in by store::lake as a quoted
-- literal with its quotes doubled. The anchor_month partition column is left
-- out, as the metric SQL does not read it.
-- runs, workflows and baseline_observations are read as lake_<table> here;
-- the views of their own names over those are made by store::lake, with the
-- columns a snapshot written before them lacks added empty (runs.version,
-- workflows.outcomes, baseline_observations.outcomes).
DROP TABLE runs;
CREATE VIEW lake_runs AS
    SELECT * EXCLUDE (anchor_month)
    FROM read_parquet('__DIR__/runs/*/*.parquet', hive_partitioning = true);
DROP TABLE run_steps;
CREATE VIEW run_steps AS SELECT * FROM read_parquet('__DIR__/run_steps/*.parquet');
DROP TABLE workflows;
CREATE VIEW lake_workflows AS SELECT * FROM read_parquet('__DIR__/workflows/*.parquet');
DROP TABLE baseline_observations;
CREATE VIEW lake_baseline_observations AS SELECT * FROM read_parquet('__DIR__/baseline_observations/*.parquet');
-- The lake keeps no refused rows: provenance says their count is unknown.
CREATE OR REPLACE MACRO rejects_kept() AS false;
DROP TABLE ingest_batches;
CREATE VIEW ingest_batches AS SELECT * FROM read_parquet('__DIR__/ingest_batches/*.parquet');
