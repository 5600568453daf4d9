-- The identity of every stored run and the batch of its current version: one
-- current version each, so each identity once.
SELECT source, run_id, batch_id FROM runs WHERE superseded_batch IS NULL;
