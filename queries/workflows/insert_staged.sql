-- Records a new version of every staged workflow that is new or changed,
-- under batch $1 at time $2; an identical re-ingest records nothing.
INSERT INTO workflows
SELECT * EXCLUDE (existed), $1, $2::TIMESTAMP
FROM stage_workflow_changes;
