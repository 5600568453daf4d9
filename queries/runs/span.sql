-- The earliest and latest anchor, coalesce(trigger_at, started_at), of the current runs.
SELECT min(coalesce(trigger_at, started_at)), max(coalesce(trigger_at, started_at))
FROM runs
WHERE superseded_batch IS NULL;
