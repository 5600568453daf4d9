-- The Spark SQL variant of span.sql: the earliest and latest anchor of the
-- current runs.
SELECT min(coalesce(trigger_at, started_at)), max(coalesce(trigger_at, started_at))
FROM runs
WHERE superseded_batch IS NULL
