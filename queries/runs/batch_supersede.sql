-- Marks the current versions of the runs that batch $1 changes as superseded
-- by it; the number of rows updated is the batch's `replaced` count. Run after
-- batch_drop_unchanged.sql, so every row left in the batch is a new version.
-- The versions superseded are in batches numbered $2 or later (0 when nothing
-- is known).
UPDATE runs SET superseded_batch = $1
FROM (SELECT source, run_id FROM runs WHERE batch_id = $1) n
WHERE runs.batch_id <> $1
  AND runs.batch_id >= $2
  AND runs.superseded_batch IS NULL
  AND runs.source = n.source
  AND runs.run_id = n.run_id;
