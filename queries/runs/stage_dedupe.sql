-- Keeps only the last staged row of each (source, run_id): the later row of
-- an input wins. Rows appended within one transaction get increasing row ids
-- in the order they were appended, so the largest rowid is the last row.
DELETE FROM stage_runs
WHERE rowid NOT IN (SELECT max(rowid) FROM stage_runs GROUP BY source, run_id);
