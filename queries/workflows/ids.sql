-- Every catalogued workflow id: runs and observations must name one of them.
SELECT workflow_id FROM workflows_as_of(NULL);
