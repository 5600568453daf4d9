-- Stores the staged steps under batch $1.
INSERT INTO run_steps
SELECT *, $1 FROM stage_steps;
