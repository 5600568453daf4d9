-- Every line of the map in force, with the batch and time that recorded it.
SELECT platform, platform_workflow, workflow_id, batch_id, recorded_at
FROM platform_map_current
ORDER BY platform, platform_workflow;
