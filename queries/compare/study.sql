-- The time-study observations of the workflows in $1 (comma-separated ids),
-- the manual "before" evidence, as known at $2 (NULL: now). The caller splits
-- the rows by workflow_id; within a workflow they come in a fixed order.
SELECT workflow_id,
       handle_minutes,
       response_minutes,
       cycle_minutes,
       CASE WHEN had_error THEN 1.0 WHEN NOT had_error THEN 0.0 END AS had_error
FROM baseline_observations
WHERE list_contains(string_split($1::VARCHAR, ','), workflow_id)
  AND known_at(batch_id, $2::TIMESTAMP)
ORDER BY workflow_id, observed_at, performer, study;
