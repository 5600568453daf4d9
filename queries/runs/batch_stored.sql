-- The versions batch $1 stored: its rows left after the merge.
SELECT count(*) FROM runs WHERE batch_id = $1;
