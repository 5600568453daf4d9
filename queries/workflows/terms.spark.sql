-- The Spark SQL variant of terms.sql: every workflow's terms over time as of
-- :as_of ('' for now; engine/as_of.spark.sql comes first), with their B.
SELECT workflow_id, effective_from, effective_to, b, b_source,
       hourly_cost, currency, sla_response_minutes, sla_cycle_minutes,
       cost_per_run, maintenance_hours_per_month
FROM terms
ORDER BY workflow_id, effective_from ASC NULLS FIRST
