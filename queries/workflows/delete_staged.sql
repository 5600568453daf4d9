-- Removes catalogue rows that this batch replaces.
DELETE FROM workflows USING stage_workflows s WHERE workflows.workflow_id = s.workflow_id;
