-- Keeps only the last row of each (source, run_id) that batch $1 appended: the
-- later row of an input wins. Rows appended within one transaction get
-- increasing row ids in the order they were appended, so the largest rowid is
-- the last row.
DELETE FROM runs
WHERE batch_id = $1
  AND rowid NOT IN (
        SELECT max(rowid) FROM runs WHERE batch_id = $1 GROUP BY source, run_id
  );
