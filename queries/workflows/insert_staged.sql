-- Records a new version of every staged workflow that is new or changed (all
-- its staged rows), under batch $1 at time $2; an identical re-ingest records
-- nothing. By name: a file from before effective_from has it as its last column.
INSERT INTO workflows BY NAME
SELECT * EXCLUDE (existed), $1 AS batch_id, $2::TIMESTAMP AS recorded_at
FROM stage_workflow_changes;
