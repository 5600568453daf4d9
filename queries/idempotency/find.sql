-- The stored answer to a keyed request: $1 key, $2 route.
SELECT body_sha256, status, response FROM idempotency_keys WHERE idem_key = $1 AND route = $2;
