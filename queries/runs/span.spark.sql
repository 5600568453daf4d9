-- The Spark SQL variant of span.sql: the earliest and latest anchor of the
-- current runs.
SELECT min(anchor), max(anchor)
FROM run_facts
WHERE superseded_batch IS NULL
