-- Every ingest batch, newest first.
SELECT batch_id, kind, origin, format, received_at, rows_read, accepted, stored, replaced, rejected
FROM ingest_batches
ORDER BY batch_id DESC
LIMIT $1;
