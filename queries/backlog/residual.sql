-- For each automated workflow with a baseline B, the human minutes a run still
-- needs after go-live as a share of B (failed runs without human minutes count
-- as fully manual): what automation has left to people so far, as of $1
-- (NULL: now).
SELECT w.workflow_id,
       avg(counted_human_minutes(r.status, r.human_minutes, b.b)) / b.b AS residual_share
FROM workflows_as_of($1::TIMESTAMP) w
JOIN baselines_as_of($1::TIMESTAMP) b USING (workflow_id)
JOIN run_facts($1::TIMESTAMP) r ON r.workflow_id = w.workflow_id
           AND automated_at(r.anchor, w.automated_since)
           AND r.terminal
WHERE w.automated_since IS NOT NULL AND b.b > 0
GROUP BY w.workflow_id, b.b
ORDER BY w.workflow_id;
