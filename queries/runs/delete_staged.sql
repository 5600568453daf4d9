-- Removes the stored versions of the runs this batch carries again; the
-- number of rows deleted is the batch's `replaced` count.
DELETE FROM runs USING stage_runs s
WHERE runs.source = s.source AND runs.run_id = s.run_id;
