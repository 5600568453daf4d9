-- Whether this file already holds Yardstick tables, and whether they are of the
-- versioned schema (workflows.recorded_at, runs.superseded_batch), before
-- schema.sql runs.
SELECT
    count(*) FILTER (WHERE table_name IN ('workflows', 'runs')) AS has_tables,
    count(*) FILTER (WHERE (table_name = 'workflows' AND column_name = 'recorded_at')
                        OR (table_name = 'runs' AND column_name = 'superseded_batch')) AS has_versions
FROM information_schema.columns
WHERE table_schema = 'main' AND table_name IN ('workflows', 'runs');
