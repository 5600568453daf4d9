-- The catalogue as of $1 (NULL: now) with each workflow's B and where it came
-- from, and when its version was recorded. Cheap: no run counts (list.sql has those).
SELECT w.workflow_id, w.name, w.owner, w.team, w.category, w.hourly_cost, w.currency,
       w.sla_response_minutes, w.sla_cycle_minutes, w.automated_since, w.baseline_minutes_per_item,
       w.effective_from, w.cost_per_run, w.maintenance_hours_per_month,
       w.recorded_at, b.b, b.b_source, b.observations,
       w.outcomes  -- last: read by name (store::workflow_of)
FROM workflows_as_of($1::TIMESTAMP) w
JOIN baselines_as_of($1::TIMESTAMP) b USING (workflow_id)
ORDER BY w.workflow_id;
