-- The time-study observations of one workflow ($1), the manual "before" evidence,
-- as known at $2 (NULL: now).
SELECT handle_minutes,
       response_minutes,
       cycle_minutes,
       CASE WHEN had_error THEN 1.0 WHEN NOT had_error THEN 0.0 END AS had_error
FROM baseline_observations
WHERE workflow_id = $1::VARCHAR
  AND known_at(batch_id, $2::TIMESTAMP)
ORDER BY observed_at, performer;
