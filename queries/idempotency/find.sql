-- The stored answer to a keyed request: $1 key, $2 route (also whether one is
-- kept, before a new answer is kept). The key alone is
-- matched first, in a MATERIALIZED step, so that DuckDB looks it up in the
-- index on idem_key (schema.sql) instead of scanning every kept answer: with
-- both conditions in one WHERE it scans (24 ms at a million random keys,
-- against 1 ms through the index; DuckDB 2.0). The plan is checked by
-- tests/it/service.rs, a_keyed_lookup_uses_the_index_not_a_scan.
WITH keyed AS MATERIALIZED (
    SELECT route, body_sha256, status, response FROM idempotency_keys WHERE idem_key = $1
)
SELECT body_sha256, status, response FROM keyed WHERE route = $2;
