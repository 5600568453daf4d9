-- Removes every stored step of the runs staged in this batch: a batch that
-- carries steps (an event log) is the whole truth about its runs' steps.
DELETE FROM run_steps
WHERE (source, run_id) IN (SELECT source, run_id FROM stage_runs);
