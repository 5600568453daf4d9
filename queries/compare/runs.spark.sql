-- The Spark SQL variant of runs.sql: the runs of the workflows in :workflows
-- anchored in [:from, :to) (:from '' for no lower bound), current as of
-- :as_of ('' for now; engine/as_of.spark.sql comes first), each with `wf`, its
-- workflow's position in :workflows (from 0); in no order, as runs.sql.
WITH chosen AS (
    SELECT CAST(pos AS INT) AS wf, col AS workflow_id
    FROM (SELECT posexplode(split(:workflows, ',')))
)
SELECT c.wf,
       unix_micros(CAST(r.anchor AS TIMESTAMP)) AS anchor_us,
       r.status,
       r.cycle_min,
       r.response_min,
       r.human_minutes
FROM runs_as_of r
JOIN chosen c ON c.workflow_id = r.workflow_id
WHERE r.anchor_month <= CAST(date_format(CAST(:to AS TIMESTAMP_NTZ), 'yyyyMM') AS INT)
  AND r.anchor < CAST(:to AS TIMESTAMP_NTZ)
  AND (:from = '' OR r.anchor >= CAST(nullif(:from, '') AS TIMESTAMP_NTZ))
