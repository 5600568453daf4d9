-- The Spark SQL variant of weekly.sql (the weekly series of `report impact`:
-- per workflow and ISO week of the anchor, counts and means); parameters
-- bound as strings. Human minutes as weekly.sql counts them; `terms` (B and
-- go-live over time) is engine/as_of.spark.sql's, put before this query.
-- Not segmented (Spark does not segment yet): `segment` is null.
SELECT r.workflow_id,
       date_format(date_trunc('WEEK', r.anchor), 'yyyy-MM-dd') AS week,
       CAST(NULL AS STRING) AS segment,
       count_if(r.terminal) AS terminal,
       count_if(r.status = 'failed') AS failed,
       count_if(r.status = 'escalated') AS escalated,
       count(r.cycle_us) AS cycle_n,
       CAST(sum(r.cycle_us) AS DOUBLE) / nullif(count(r.cycle_us), 0) / 60000000.0D AS cycle_mean_min,
       count(r.response_min) AS response_n,
       CAST(sum(CAST(r.response_min AS DECIMAL(38, 6))) AS DOUBLE) / nullif(count(r.response_min), 0)
           AS response_mean_min,
       count(CASE WHEN r.terminal THEN r.human END) AS human_n,
       CAST(sum(CASE WHEN r.terminal THEN CAST(r.human AS DECIMAL(38, 6)) END) AS DOUBLE)
           / nullif(count(CASE WHEN r.terminal THEN r.human END), 0) AS human_mean_min
FROM (
    SELECT f.*,
           CASE WHEN automated_at(f.anchor, t.automated_since)
                THEN counted_human_minutes(f.status, f.human_minutes, t.b)
                ELSE f.human_minutes END AS human
    FROM run_facts f
    LEFT JOIN terms t
      ON t.workflow_id = f.workflow_id
     AND in_force(f.anchor, t.term_from, t.term_to)
) r
WHERE r.superseded_batch IS NULL
  AND r.anchor_month >= CAST(date_format(CAST(:from AS TIMESTAMP_NTZ), 'yyyyMM') AS INT)
  AND r.anchor_month <= CAST(date_format(CAST(:to AS TIMESTAMP_NTZ), 'yyyyMM') AS INT)
  AND r.anchor >= CAST(:from AS TIMESTAMP_NTZ)
  AND r.anchor < CAST(:to AS TIMESTAMP_NTZ)
  AND array_contains(split(:workflows, ','), r.workflow_id)
GROUP BY r.workflow_id, date_format(date_trunc('WEEK', r.anchor), 'yyyy-MM-dd')
ORDER BY r.workflow_id, week
