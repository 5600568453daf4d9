-- The Spark SQL variant of runs.sql: the runs of the workflows in :workflows
-- anchored in [:from, :to) (:from '' for no lower bound), current as of
-- :as_of ('' for now), each with `wf`, its
-- workflow's position in :workflows (from 0); in no order, as runs.sql.
WITH chosen AS (
    SELECT CAST(pos AS INT) AS wf, col AS workflow_id
    FROM (SELECT posexplode(split(:workflows, ',')))
),
known AS (
    SELECT batch_id
    FROM ingest_batches
    WHERE :as_of = '' OR received_at <= CAST(nullif(:as_of, '') AS TIMESTAMP_NTZ)
)
SELECT c.wf,
       unix_micros(CAST(r.anchor AS TIMESTAMP)) AS anchor_us,
       r.status,
       r.cycle_min,
       r.response_min,
       r.human_minutes
FROM run_facts r
JOIN chosen c ON c.workflow_id = r.workflow_id
WHERE r.anchor_month <= CAST(date_format(CAST(:to AS TIMESTAMP_NTZ), 'yyyyMM') AS INT)
  AND r.anchor < CAST(:to AS TIMESTAMP_NTZ)
  AND (:from = '' OR r.anchor >= CAST(nullif(:from, '') AS TIMESTAMP_NTZ))
  AND ((:as_of = '' AND r.superseded_batch IS NULL)
       OR (:as_of <> ''
           AND r.batch_id IN (SELECT batch_id FROM known)
           AND (r.superseded_batch IS NULL
                OR r.superseded_batch NOT IN (SELECT batch_id FROM known))))
