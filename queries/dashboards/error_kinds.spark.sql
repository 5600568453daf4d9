-- The Spark SQL variant of error_kinds.sql (the ten most frequent kinds of
-- error behind the failed and escalated runs of [:from, :to) of the workflows
-- in :workflows, with their share); parameters bound as strings.
WITH bad AS (
    SELECT coalesce(nullif(trim(r.error_kind), ''), '(not recorded)') AS error_kind,
           r.status
    FROM run_facts r
    WHERE r.superseded_batch IS NULL
      AND r.status IN ('failed', 'escalated')
      AND r.anchor_month >= CAST(date_format(CAST(:from AS TIMESTAMP_NTZ), 'yyyyMM') AS INT)
      AND r.anchor_month <= CAST(date_format(CAST(:to AS TIMESTAMP_NTZ), 'yyyyMM') AS INT)
      AND r.anchor >= CAST(:from AS TIMESTAMP_NTZ)
      AND r.anchor < CAST(:to AS TIMESTAMP_NTZ)
      AND array_contains(split(:workflows, ','), r.workflow_id)
),
kinds AS (
    SELECT error_kind,
           count(*) AS runs,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'escalated') AS escalated
    FROM bad
    GROUP BY error_kind
)
SELECT error_kind,
       runs,
       failed,
       escalated,
       runs / CAST((SELECT count(*) FROM bad) AS DOUBLE) AS share
FROM kinds
ORDER BY runs DESC, error_kind
LIMIT 10
