-- Whether a keyed answer is kept already: $1 key, $2 route.
SELECT count(*) FROM idempotency_keys WHERE idem_key = $1 AND route = $2;
