-- Fills in every count of a streamed batch, known only once its input has
-- been read and merged. $1 rows_read, $2 accepted, $3 stored, $4 replaced,
-- $5 rejected, $6 batch_id.
UPDATE ingest_batches
SET rows_read = $1, accepted = $2, stored = $3, replaced = $4, rejected = $5
WHERE batch_id = $6;
