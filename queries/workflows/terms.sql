-- The terms of every workflow over time as of $1 (NULL: now): one row per
-- catalogue row of each workflow's version then, in force from effective_from
-- (NULL: the beginning) to effective_to (NULL: still), with its B
-- (schema.sql's terms_as_of).
SELECT workflow_id, effective_from, effective_to, b, b_source,
       hourly_cost, currency, sla_response_minutes, sla_cycle_minutes,
       cost_per_run, maintenance_hours_per_month
FROM terms_as_of($1::TIMESTAMP)
ORDER BY workflow_id, effective_from NULLS FIRST;
