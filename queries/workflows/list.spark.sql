-- The Spark SQL variant of list.sql: the catalogue as of :as_of ('' for now;
-- engine/as_of.spark.sql comes first) with the size of each workflow's
-- evidence known then, when its version was recorded, and the outcomes it
-- declares.
WITH run_counts AS (
    SELECT workflow_id, count(*) AS runs
    FROM runs_as_of
    GROUP BY workflow_id
)
SELECT w.workflow_id, w.name, w.owner, w.team, w.category, w.hourly_cost, w.currency,
       w.sla_response_minutes, w.sla_cycle_minutes, w.automated_since, w.baseline_minutes_per_item,
       w.effective_from, w.cost_per_run, w.maintenance_hours_per_month,
       coalesce(r.runs, 0) AS runs,
       w.observations AS baseline_observations,
       w.recorded_at,
       w.outcomes
FROM catalogue w
LEFT JOIN run_counts r ON r.workflow_id = w.workflow_id
ORDER BY w.workflow_id
