-- Fills in the counts known only after the merge. $1 stored, $2 replaced, $3 batch_id.
UPDATE ingest_batches SET stored = $1, replaced = $2 WHERE batch_id = $3;
