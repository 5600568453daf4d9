-- The Spark SQL variant of catalogue.sql (the catalogue as of :as_of, '' for
-- now, with each workflow's B); the macros of schema.sql written out, as in
-- metrics/workflow_metrics.spark.sql.
WITH
known AS (
    SELECT batch_id
    FROM ingest_batches
    WHERE :as_of = '' OR received_at <= CAST(nullif(:as_of, '') AS TIMESTAMP_NTZ)
),
wf_versions AS (
    SELECT w.*,
           row_number() OVER (PARTITION BY workflow_id ORDER BY recorded_at DESC, batch_id DESC)
               AS version_rank
    FROM workflows w
    WHERE :as_of = '' OR recorded_at <= CAST(nullif(:as_of, '') AS TIMESTAMP_NTZ)
),
study AS (
    SELECT workflow_id,
           count(*) AS n,
           CAST(sum(CAST(handle_minutes AS DECIMAL(38, 6))) AS DOUBLE) / count(*) AS mean_handle
    FROM baseline_observations
    WHERE :as_of = '' OR batch_id IN (SELECT batch_id FROM known)
    GROUP BY workflow_id
)
SELECT w.workflow_id, w.name, w.owner, w.team, w.category, w.hourly_cost, w.currency,
       w.sla_response_minutes, w.sla_cycle_minutes, w.automated_since, w.baseline_minutes_per_item,
       w.recorded_at,
       coalesce(w.baseline_minutes_per_item, o.mean_handle) AS b,
       CASE WHEN w.baseline_minutes_per_item IS NOT NULL THEN 'override'
            WHEN o.n > 0 THEN 'study mean'
            ELSE 'none' END AS b_source,
       coalesce(o.n, 0) AS observations
FROM wf_versions w
LEFT JOIN study o ON o.workflow_id = w.workflow_id
WHERE w.version_rank = 1
ORDER BY w.workflow_id
