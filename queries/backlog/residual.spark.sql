-- The Spark SQL variant of residual.sql: for each automated workflow with a
-- baseline B as of :as_of ('' for now; engine/as_of.spark.sql comes first),
-- the human minutes a run still needs after go-live as a share of B.
SELECT w.workflow_id,
       avg(counted_human_minutes(r.status, r.human_minutes, w.b)) / w.b AS residual_share
FROM catalogue w
JOIN runs_as_of r ON r.workflow_id = w.workflow_id
                 AND automated_at(r.anchor, w.automated_since)
                 AND r.terminal
WHERE w.automated_since IS NOT NULL AND w.b > 0
GROUP BY w.workflow_id, w.b
ORDER BY w.workflow_id
