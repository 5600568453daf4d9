-- Stores the staged observations under batch $1 (by name: a file written
-- before baseline_observations.outcomes has it last, after batch_id).
INSERT INTO baseline_observations BY NAME SELECT *, $1 AS batch_id FROM stage_baselines;
