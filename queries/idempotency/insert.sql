-- Keeps the answer to a keyed request: $1 key, $2 route, $3 SHA-256 of the body,
-- $4 status, $5 response body, $6 now.
INSERT INTO idempotency_keys VALUES ($1, $2, $3, $4, $5, $6);
