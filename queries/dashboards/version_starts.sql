-- The versions of the workflows in view first run within the period: the
-- workflow, the version and its first run's anchor, so that a chart marks a
-- version change as it marks a go-live (first_run_us: microseconds since
-- the epoch, UTC).
--
-- Parameters (every dashboard query takes the same three):
--   $1 from (TIMESTAMP, inclusive)   $2 to (TIMESTAMP, exclusive)
--   $3 comma-separated workflow ids in view
--
-- A version's first run is its earliest anchor (schema.sql: run_facts) over
-- every current run before $2, not only the period's; runs naming no version
-- are left out.
SELECT workflow_id, version, epoch_us(first_run) AS first_run_us
FROM (
    SELECT r.workflow_id,
           r.version,
           min(r.anchor) AS first_run
    FROM run_facts(NULL) r
    WHERE r.version IS NOT NULL
      AND r.anchor < $2::TIMESTAMP
      AND list_contains(string_split($3::VARCHAR, ','), r.workflow_id)
    GROUP BY r.workflow_id, r.version
)
WHERE first_run >= $1::TIMESTAMP
ORDER BY first_run, workflow_id, version
