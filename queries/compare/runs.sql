-- The runs of the workflows in $1 (comma-separated ids) anchored before $2
-- (exclusive), with the per-run quantities of the metric definitions. One
-- query serves many workflows (a query per workflow spent most of a 1,000-
-- workflow comparison planning and scanning); the caller splits the rows by
-- workflow_id. Within a workflow rows come in a fixed order so that a seeded
-- bootstrap over them is reproducible. $3 is the as-of moment (NULL: now):
-- runs of later batches are left out.
SELECT workflow_id,
       epoch_us(coalesce(trigger_at, started_at)) AS anchor_us,
       status,
       CASE WHEN status IN ('succeeded', 'escalated')
            THEN (epoch_us(finished_at) - epoch_us(coalesce(trigger_at, started_at))) / 60000000.0::DOUBLE
       END AS cycle_min,
       (epoch_us(first_response_at) - epoch_us(coalesce(trigger_at, started_at))) / 60000000.0::DOUBLE
           AS response_min,
       human_minutes
FROM runs
WHERE list_contains(string_split($1::VARCHAR, ','), workflow_id)
  AND current_at(batch_id, superseded_batch, $3::TIMESTAMP)
  AND coalesce(trigger_at, started_at) < $2::TIMESTAMP
ORDER BY workflow_id, anchor_us, source, run_id;
