-- Per-connection staging tables: a batch is appended here in bulk, then
-- merged into the real tables inside the batch's transaction.
CREATE TEMP TABLE IF NOT EXISTS stage_workflows AS SELECT * EXCLUDE (batch_id) FROM workflows LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_runs AS SELECT * EXCLUDE (batch_id) FROM runs LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_baselines AS SELECT * EXCLUDE (batch_id) FROM baseline_observations LIMIT 0;
DELETE FROM stage_workflows;
DELETE FROM stage_runs;
DELETE FROM stage_baselines;
