-- The kinds of error behind the failed and escalated runs of a period: the
-- ten most frequent, with their share of all failed and escalated runs.
--
-- Parameters (every dashboard query takes the same three):
--   $1 from (TIMESTAMP, inclusive)   $2 to (TIMESTAMP, exclusive)
--   $3 comma-separated workflow ids in view
--
-- A run belongs to the period when its anchor (schema.sql: run_facts)
-- lies in [$1, $2), as in the metric table; only current run versions count.
-- A run without an error_kind is counted as '(not recorded)'.
WITH bad AS (
    SELECT coalesce(nullif(trim(r.error_kind), ''), '(not recorded)') AS error_kind,
           r.status
    FROM run_facts(NULL) r
    WHERE r.status IN ('failed', 'escalated')
      AND r.anchor >= $1::TIMESTAMP
      AND r.anchor < $2::TIMESTAMP
      AND list_contains(string_split($3::VARCHAR, ','), r.workflow_id)
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
       runs / (SELECT count(*) FROM bad)::DOUBLE AS share
FROM kinds
ORDER BY runs DESC, error_kind
LIMIT 10
