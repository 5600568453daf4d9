-- The Spark SQL variant of catalogue.sql: the catalogue as of :as_of ('' for
-- now) with each workflow's B (engine/as_of.spark.sql comes first), and the
-- outcomes it declares (their canonical text, as the file stores them).
SELECT workflow_id, name, owner, team, category, hourly_cost, currency,
       sla_response_minutes, sla_cycle_minutes, automated_since, baseline_minutes_per_item,
       effective_from, cost_per_run, maintenance_hours_per_month,
       recorded_at, b, b_source, observations, outcomes
FROM catalogue
ORDER BY workflow_id
