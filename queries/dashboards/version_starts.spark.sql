-- The Spark SQL variant of version_starts.sql (the versions of the workflows
-- in :workflows first run within [:from, :to), with that first run's
-- anchor); parameters bound as strings.
SELECT workflow_id, version, unix_micros(CAST(first_run AS TIMESTAMP)) AS first_run_us
FROM (
    SELECT r.workflow_id,
           r.version,
           min(r.anchor) AS first_run
    FROM run_facts r
    WHERE r.superseded_batch IS NULL
      AND r.version IS NOT NULL
      AND r.anchor_month <= CAST(date_format(CAST(:to AS TIMESTAMP_NTZ), 'yyyyMM') AS INT)
      AND r.anchor < CAST(:to AS TIMESTAMP_NTZ)
      AND array_contains(split(:workflows, ','), r.workflow_id)
    GROUP BY r.workflow_id, r.version
) v
WHERE first_run >= CAST(:from AS TIMESTAMP_NTZ)
ORDER BY first_run, workflow_id, version
