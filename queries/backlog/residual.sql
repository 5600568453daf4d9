-- For each automated workflow with a baseline B, the human minutes a run still
-- needs after go-live as a share of B (failed runs without human minutes count
-- as fully manual): what automation has left to people so far, as of $1
-- (NULL: now).
SELECT w.workflow_id,
       avg(CASE WHEN r.status = 'failed' AND r.human_minutes IS NULL THEN b.b
                ELSE coalesce(r.human_minutes, 0) END) / b.b AS residual_share
FROM workflows_as_of($1::TIMESTAMP) w
JOIN baselines_as_of($1::TIMESTAMP) b USING (workflow_id)
JOIN runs r ON r.workflow_id = w.workflow_id
           AND coalesce(r.trigger_at, r.started_at) >= w.automated_since
           AND r.status IN ('succeeded', 'failed', 'escalated')
           AND current_at(r.batch_id, r.superseded_batch, $1::TIMESTAMP)
WHERE w.automated_since IS NOT NULL AND b.b > 0
GROUP BY w.workflow_id, b.b
ORDER BY w.workflow_id;
