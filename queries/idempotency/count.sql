-- Whether a keyed answer is kept already: $1 key, $2 route. Matched through
-- the index on idem_key as in find.sql.
WITH keyed AS MATERIALIZED (
    SELECT route FROM idempotency_keys WHERE idem_key = $1
)
SELECT count(*) FROM keyed WHERE route = $2;
