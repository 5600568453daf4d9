-- Refused rows, newest batch first; $1 a batch id or NULL for all, $2 the most rows to return.
SELECT r.batch_id, r.kind, b.origin, r.line, r.key, r.field, r.reason, r.raw
FROM rejects r JOIN ingest_batches b USING (batch_id)
WHERE $1::BIGINT IS NULL OR r.batch_id = $1::BIGINT
ORDER BY r.batch_id DESC, r.line, r.field
LIMIT $2;
