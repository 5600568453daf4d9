-- Records a new version of every staged map line that is new or points
-- elsewhere, under batch $1 at time $2; an identical re-ingest records nothing.
INSERT INTO platform_map
SELECT * EXCLUDE (existed), $1, $2::TIMESTAMP
FROM stage_platform_map_changes;
