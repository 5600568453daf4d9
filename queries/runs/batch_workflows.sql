-- The workflows whose current runs batch $1 changed: those of the rows it
-- stored and of the versions it superseded. Every such row is in a batch
-- numbered $2 or later ($2 <= $1: the oldest batch holding a version the batch
-- replaced), so the scan reads only the recent row groups.
SELECT DISTINCT workflow_id
FROM runs
WHERE batch_id >= $2
  AND (batch_id = $1 OR superseded_batch = $1)
ORDER BY workflow_id;
