-- The Spark twin of schema.sql's table macros (known_at, workflows_as_of,
-- baselines_as_of, current_at): the one Spark text of "as of :as_of" ('' for
-- now) and of B. A Spark view takes no parameters, so these are common table
-- expressions that the engine puts before every Spark query
-- (src/engine/spark.rs: with_as_of): the query's own WITH list continues this
-- one, and every query binds :as_of.
--   known        the batches received by :as_of
--   catalogue    each workflow's version as of :as_of with its B, where B
--                came from, and the observations known then
--   runs_as_of   the run versions current at :as_of, with their facts
--                (run_facts.spark.sql)
known AS (
    SELECT batch_id
    FROM ingest_batches
    WHERE :as_of = '' OR received_at <= CAST(nullif(:as_of, '') AS TIMESTAMP_NTZ)
),
catalogue AS (
    SELECT w.workflow_id, w.name, w.owner, w.team, w.category, w.hourly_cost, w.currency,
           w.sla_response_minutes, w.sla_cycle_minutes, w.automated_since,
           w.baseline_minutes_per_item, w.batch_id, w.recorded_at,
           coalesce(w.baseline_minutes_per_item, o.mean_handle) AS b,
           CASE WHEN w.baseline_minutes_per_item IS NOT NULL THEN 'override'
                WHEN o.n > 0 THEN 'study mean'
                ELSE 'none' END AS b_source,
           coalesce(o.n, 0) AS observations
    FROM (
        SELECT w.*,
               row_number() OVER (PARTITION BY workflow_id ORDER BY recorded_at DESC, batch_id DESC)
                   AS version_rank
        FROM workflows w
        WHERE :as_of = '' OR recorded_at <= CAST(nullif(:as_of, '') AS TIMESTAMP_NTZ)
    ) w
    LEFT JOIN (
        SELECT workflow_id,
               count(*) AS n,
               CAST(sum(CAST(handle_minutes AS DECIMAL(38, 6))) AS DOUBLE) / count(*) AS mean_handle
        FROM baseline_observations
        WHERE :as_of = '' OR batch_id IN (SELECT batch_id FROM known)
        GROUP BY workflow_id
    ) o ON o.workflow_id = w.workflow_id
    WHERE w.version_rank = 1
),
runs_as_of AS (
    SELECT r.*
    FROM run_facts r
    WHERE (:as_of = '' AND r.superseded_batch IS NULL)
       OR (:as_of <> ''
           AND r.batch_id IN (SELECT batch_id FROM known)
           AND (r.superseded_batch IS NULL
                OR r.superseded_batch NOT IN (SELECT batch_id FROM known)))
)
