-- Removes every stored step of the runs that have staged steps: a steps file
-- is the whole truth about the steps of the runs it names.
DELETE FROM run_steps
WHERE (source, run_id) IN (SELECT source, run_id FROM stage_steps);
