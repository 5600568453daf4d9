-- The runs of the workflows in $1 (comma-separated ids) anchored before $2
-- (exclusive), with the per-run quantities of the metric definitions. One
-- query serves many workflows (a query per workflow spent most of a 1,000-
-- workflow comparison planning and scanning): `wf` is the workflow's position
-- in $1 (from 0), found by a hash join with the list, and the caller files
-- each row under it. No ORDER BY: the caller puts each workflow's runs in
-- the canonical order of model::RunSample, which depends on their values
-- only, so a seeded bootstrap draws the same resamples from either engine
-- (sorting 10M runs by workflow and run id was most of a comparison's time).
-- $3 is the as-of moment (NULL: now): runs of later batches are left out.
-- $4, when not NULL, leaves out runs anchored before it (regression checks
-- read nine weeks, not the year).
WITH chosen AS (
    SELECT unnest(ids) AS workflow_id,
           unnest(range(len(ids)))::INTEGER AS wf
    FROM (SELECT string_split($1::VARCHAR, ',') AS ids)
)
SELECT c.wf,
       epoch_us(coalesce(r.trigger_at, r.started_at)) AS anchor_us,
       r.status,
       CASE WHEN r.status IN ('succeeded', 'escalated')
            THEN (epoch_us(r.finished_at) - epoch_us(coalesce(r.trigger_at, r.started_at))) / 60000000.0::DOUBLE
       END AS cycle_min,
       (epoch_us(r.first_response_at) - epoch_us(coalesce(r.trigger_at, r.started_at))) / 60000000.0::DOUBLE
           AS response_min,
       r.human_minutes
FROM runs r
JOIN chosen c ON c.workflow_id = r.workflow_id
WHERE current_at(r.batch_id, r.superseded_batch, $3::TIMESTAMP)
  AND coalesce(r.trigger_at, r.started_at) < $2::TIMESTAMP
  AND ($4::TIMESTAMP IS NULL OR coalesce(r.trigger_at, r.started_at) >= $4::TIMESTAMP);
