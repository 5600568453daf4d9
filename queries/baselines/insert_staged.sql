-- Stores the staged observations under batch $1.
INSERT INTO baseline_observations SELECT *, $1 FROM stage_baselines;
