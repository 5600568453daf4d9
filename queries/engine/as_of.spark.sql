-- The Spark twin of schema.sql's table macros (known_at, workflows_as_of,
-- baselines_as_of, current_at): the one Spark text of "as of :as_of" ('' for
-- now) and of B. A Spark view takes no parameters, so these are common table
-- expressions that the engine puts before every Spark query
-- (src/engine/spark.rs: with_as_of): the query's own WITH list continues this
-- one, and every query binds :as_of.
--   known        the batches received by :as_of
--   versions     every row of each workflow's version as of :as_of
--   terms        those rows' terms over time, each with its B
--   catalogue    each workflow's last row with its B, where B came from, and
--                the observations known then
--   runs_as_of   the run versions current at :as_of, with their facts
--                (run_facts.spark.sql)
known AS (
    SELECT batch_id
    FROM ingest_batches
    WHERE :as_of = '' OR received_at <= CAST(nullif(:as_of, '') AS TIMESTAMP_NTZ)
),
-- Every row of each workflow's latest version recorded by :as_of, with
-- effective_to (schema.sql's workflow_terms_as_of).
versions AS (
    SELECT w.workflow_id, w.name, w.owner, w.team, w.category, w.hourly_cost, w.currency,
           w.sla_response_minutes, w.sla_cycle_minutes, w.automated_since,
           w.baseline_minutes_per_item, w.batch_id, w.recorded_at, w.effective_from,
           w.cost_per_run, w.maintenance_hours_per_month, w.outcomes,
           lead(w.effective_from) OVER (PARTITION BY w.workflow_id ORDER BY w.effective_from ASC NULLS FIRST)
               AS effective_to
    FROM (
        SELECT w.*,
               first_value(batch_id) OVER (PARTITION BY workflow_id
                                           ORDER BY recorded_at DESC, batch_id DESC) AS version_batch
        FROM workflows w
        WHERE :as_of = '' OR recorded_at <= CAST(nullif(:as_of, '') AS TIMESTAMP_NTZ)
    ) w
    WHERE w.batch_id = w.version_batch
),
-- The terms over time with B (schema.sql's terms_as_of), in force over
-- [term_from, term_to), bounds never NULL (schema.sql's bounded_terms).
terms AS (
    SELECT v.workflow_id, v.effective_from, v.effective_to,
           coalesce(v.effective_from, CAST('0001-01-01' AS TIMESTAMP_NTZ)) AS term_from,
           coalesce(v.effective_to, CAST('9999-12-31' AS TIMESTAMP_NTZ)) AS term_to,
           coalesce(v.baseline_minutes_per_item, o.mean_handle) AS b,
           CASE WHEN v.baseline_minutes_per_item IS NOT NULL THEN 'override'
                WHEN o.n > 0 THEN 'study mean'
                ELSE 'none' END AS b_source,
           coalesce(o.n, 0) AS observations,
           v.hourly_cost, v.currency, v.sla_response_minutes, v.sla_cycle_minutes,
           v.automated_since, v.cost_per_run, v.maintenance_hours_per_month
    FROM versions v
    LEFT JOIN (
        SELECT workflow_id,
               count(*) AS n,
               CAST(sum(CAST(handle_minutes AS DECIMAL(38, 6))) AS DOUBLE) / count(*) AS mean_handle
        FROM baseline_observations
        WHERE :as_of = '' OR batch_id IN (SELECT batch_id FROM known)
        GROUP BY workflow_id
    ) o ON o.workflow_id = v.workflow_id
),
-- One row per workflow: its last row, with that row's B (workflows_as_of,
-- baselines_as_of).
catalogue AS (
    SELECT v.workflow_id, v.name, v.owner, v.team, v.category, v.hourly_cost, v.currency,
           v.sla_response_minutes, v.sla_cycle_minutes, v.automated_since,
           v.baseline_minutes_per_item, v.batch_id, v.recorded_at, v.effective_from,
           v.cost_per_run, v.maintenance_hours_per_month, v.outcomes,
           t.b, t.b_source, t.observations
    FROM versions v
    JOIN terms t ON t.workflow_id = v.workflow_id AND t.effective_to IS NULL
    WHERE v.effective_to IS NULL
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
