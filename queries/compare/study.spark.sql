-- The Spark SQL variant of study.sql: the time-study observations of the
-- workflows in :workflows (comma-separated ids) as known at :as_of ('' for
-- now; engine/as_of.spark.sql comes first), in the same fixed order (Spark
-- puts NULLs first unless told).
SELECT workflow_id,
       handle_minutes,
       response_minutes,
       cycle_minutes,
       CASE WHEN had_error THEN 1.0D WHEN NOT had_error THEN 0.0D END AS had_error
FROM baseline_observations
WHERE array_contains(split(:workflows, ','), workflow_id)
  AND (:as_of = '' OR batch_id IN (SELECT batch_id FROM known))
ORDER BY workflow_id, observed_at, performer NULLS LAST, study
