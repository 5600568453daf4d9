-- Backlog candidates: workflows with time-study observations and no go-live.
-- Frequency comes from the study itself: observations per week over the span
-- the study covered (at least one week).
SELECT w.workflow_id, w.name, w.owner, w.team, w.category, w.hourly_cost, w.currency,
       count(*) AS observations,
       avg(b.handle_minutes) AS mean_handle_minutes,
       avg(CASE WHEN b.had_error THEN 1.0 WHEN NOT b.had_error THEN 0.0 END) AS error_share,
       greatest((epoch_us(max(b.observed_at)) - epoch_us(min(b.observed_at))) / 604800000000.0::DOUBLE, 1.0)
           AS study_weeks
FROM workflows_as_of($1::TIMESTAMP) w
JOIN baseline_observations b USING (workflow_id)
WHERE w.automated_since IS NULL
  AND known_at(b.batch_id, $1::TIMESTAMP)
GROUP BY ALL
ORDER BY w.workflow_id;
