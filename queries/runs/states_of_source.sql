-- The run id and status of every current run of one source, by run id.
SELECT run_id, status FROM runs WHERE source = $1 AND superseded_batch IS NULL ORDER BY run_id;
