-- The catalogue as of $1 (NULL: now) with the size of each workflow's evidence
-- known then, and when its version was recorded.
SELECT w.workflow_id, w.name, w.owner, w.team, w.category, w.hourly_cost, w.currency,
       w.sla_response_minutes, w.sla_cycle_minutes, w.automated_since, w.baseline_minutes_per_item,
       w.effective_from, w.cost_per_run, w.maintenance_hours_per_month,
       (SELECT count(*) FROM runs r
        WHERE r.workflow_id = w.workflow_id AND current_at(r.batch_id, r.superseded_batch, $1::TIMESTAMP)) AS runs,
       (SELECT count(*) FROM baseline_observations b
        WHERE b.workflow_id = w.workflow_id AND known_at(b.batch_id, $1::TIMESTAMP)) AS baseline_observations,
       w.recorded_at,
       w.outcomes  -- last: read by name (store::workflow_of)
FROM workflows_as_of($1::TIMESTAMP) w
ORDER BY w.workflow_id;
