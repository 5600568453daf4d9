-- The Spark SQL variant of candidates.sql: workflows with time-study
-- observations known at :as_of ('' for now; engine/as_of.spark.sql comes
-- first) and no go-live, with the study's frequency.
SELECT w.workflow_id, w.name, w.owner, w.team, w.category, w.hourly_cost, w.currency,
       count(*) AS observations,
       avg(b.handle_minutes) AS mean_handle_minutes,
       avg(CASE WHEN b.had_error THEN 1.0D WHEN NOT b.had_error THEN 0.0D END) AS error_share,
       greatest((unix_micros(CAST(max(b.observed_at) AS TIMESTAMP))
                 - unix_micros(CAST(min(b.observed_at) AS TIMESTAMP))) / 604800000000.0D, 1.0D)
           AS study_weeks
FROM catalogue w
JOIN baseline_observations b ON b.workflow_id = w.workflow_id
WHERE w.automated_since IS NULL
  AND (:as_of = '' OR b.batch_id IN (SELECT batch_id FROM known))
GROUP BY w.workflow_id, w.name, w.owner, w.team, w.category, w.hourly_cost, w.currency
ORDER BY w.workflow_id
