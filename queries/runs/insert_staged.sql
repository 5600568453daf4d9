-- Stores the staged runs under batch $1.
INSERT INTO runs SELECT *, $1 FROM stage_runs;
