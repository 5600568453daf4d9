-- Marks the current versions of the runs this batch changes as superseded by
-- batch $1; the number of rows updated is the batch's `replaced` count.
UPDATE runs SET superseded_batch = $1
FROM stage_run_changes s
WHERE s.existed
  AND runs.source = s.source AND runs.run_id = s.run_id
  AND runs.superseded_batch IS NULL;
