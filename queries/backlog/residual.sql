-- For each automated workflow with a baseline B, the human minutes a run still
-- needs after go-live as a share of B (failed runs without human minutes count
-- as fully manual): what automation has left to people so far, as of $1
-- (NULL: now).
WITH b AS (
    SELECT w.workflow_id, w.automated_since,
           coalesce(w.baseline_minutes_per_item, avg(o.handle_minutes)) AS b
    FROM workflows_as_of($1::TIMESTAMP) w
    LEFT JOIN baseline_observations o
           ON o.workflow_id = w.workflow_id AND known_at(o.batch_id, $1::TIMESTAMP)
    WHERE w.automated_since IS NOT NULL
    GROUP BY w.workflow_id, w.automated_since, w.baseline_minutes_per_item
)
SELECT b.workflow_id,
       avg(CASE WHEN r.status = 'failed' AND r.human_minutes IS NULL THEN b.b
                ELSE coalesce(r.human_minutes, 0) END) / b.b AS residual_share
FROM b
JOIN runs r ON r.workflow_id = b.workflow_id
           AND coalesce(r.trigger_at, r.started_at) >= b.automated_since
           AND r.status IN ('succeeded', 'failed', 'escalated')
           AND current_at(r.batch_id, r.superseded_batch, $1::TIMESTAMP)
WHERE b.b > 0
GROUP BY b.workflow_id, b.b
ORDER BY b.workflow_id;
