-- Stores the new and changed staged runs under batch $1 as current versions.
-- Run after supersede_staged.sql, so the changed ones no longer match a current
-- version and all of them appear in the view once.
INSERT INTO runs
SELECT * EXCLUDE (existed), $1, NULL
FROM stage_run_changes;
