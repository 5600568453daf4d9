-- Removes every stored step of the runs of batch $1: a batch that carries
-- steps (an event log) is the whole truth about its runs' steps. Run before
-- the batch's runs are merged, while all of them are still in the batch.
DELETE FROM run_steps
WHERE (source, run_id) IN (SELECT source, run_id FROM runs WHERE batch_id = $1);
