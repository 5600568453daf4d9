-- The run ids of the current runs of one source.
SELECT run_id FROM runs WHERE source = $1 AND superseded_batch IS NULL;
