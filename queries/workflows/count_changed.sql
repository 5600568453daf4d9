-- Counts the staged catalogue rows that change a workflow already recorded:
-- each becomes a new version (the batch's `replaced` count). Nothing is deleted.
SELECT count(*)
FROM stage_workflows s
JOIN workflows_as_of(NULL) c USING (workflow_id)
WHERE NOT (
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
