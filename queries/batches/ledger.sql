-- Every ingest batch, in the order received (for publish, which records the
-- batches it read, and report diff, which walks the ones that came later).
SELECT batch_id, kind, origin, format, received_at, rows_read, accepted, stored, replaced, rejected
FROM ingest_batches
ORDER BY received_at, batch_id;
