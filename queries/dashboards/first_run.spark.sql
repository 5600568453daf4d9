-- The Spark SQL variant of first_run.sql (the earliest anchor of the
-- current runs of the workflows in :workflows anchored in [:from, :to));
-- parameters bound as strings. Not segmented (Spark does not segment yet):
-- `segment` is null.
SELECT CAST(NULL AS STRING) AS segment,
       unix_micros(CAST(min(r.anchor) AS TIMESTAMP)) AS first_run_us
FROM run_facts r
WHERE r.superseded_batch IS NULL
  AND r.anchor_month >= CAST(date_format(CAST(:from AS TIMESTAMP_NTZ), 'yyyyMM') AS INT)
  AND r.anchor_month <= CAST(date_format(CAST(:to AS TIMESTAMP_NTZ), 'yyyyMM') AS INT)
  AND r.anchor >= CAST(:from AS TIMESTAMP_NTZ)
  AND r.anchor < CAST(:to AS TIMESTAMP_NTZ)
  AND array_contains(split(:workflows, ','), r.workflow_id)
HAVING count(*) > 0
