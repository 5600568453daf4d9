-- The workflow map in force for platform $1: its workflow → catalogued workflow.
SELECT platform_workflow, workflow_id
FROM platform_map_current
WHERE platform = $1
ORDER BY platform_workflow;
