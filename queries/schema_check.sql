-- Whether this file already holds a Yardstick catalogue, and whether it is of
-- the ledger schema (a `recorded_at` column), before schema.sql runs.
SELECT
    count(*) FILTER (WHERE column_name = 'workflow_id') AS has_workflows,
    count(*) FILTER (WHERE column_name = 'recorded_at') AS has_ledger
FROM information_schema.columns
WHERE table_schema = 'main' AND table_name = 'workflows';
