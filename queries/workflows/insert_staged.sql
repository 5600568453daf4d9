-- Records a new version of every staged workflow that is new or changed,
-- under batch $1 at time $2; an identical re-ingest records nothing.
INSERT INTO workflows
SELECT s.*, $1, $2::TIMESTAMP
FROM stage_workflows s
LEFT JOIN workflows_as_of(NULL) c USING (workflow_id)
WHERE c.workflow_id IS NULL
   OR NOT (
        s.name IS NOT DISTINCT FROM c.name
        AND s.owner IS NOT DISTINCT FROM c.owner
        AND s.team IS NOT DISTINCT FROM c.team
        AND s.category IS NOT DISTINCT FROM c.category
        AND s.hourly_cost IS NOT DISTINCT FROM c.hourly_cost
        AND s.currency IS NOT DISTINCT FROM c.currency
        AND s.sla_response_minutes IS NOT DISTINCT FROM c.sla_response_minutes
        AND s.sla_cycle_minutes IS NOT DISTINCT FROM c.sla_cycle_minutes
        AND s.automated_since IS NOT DISTINCT FROM c.automated_since
        AND s.baseline_minutes_per_item IS NOT DISTINCT FROM c.baseline_minutes_per_item
   );
