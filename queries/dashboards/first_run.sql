-- Where the stored runs a page shows begin: the earliest anchor
-- (schema.sql: run_facts, current versions only) of the runs of the
-- workflows in view that match the page's filter, anchored in [$1, $2)
-- (first_run_us: microseconds since the epoch, UTC; no row when there are
-- none). A previous period ending at or before it was never stored: its
-- figures are unknown, not 0 (src/metrics/portfolio.rs: uncovered).
--
-- Parameters (a segmented period query's six, src/engine:
-- Engine::segmented_period_query):
--   $1 from (TIMESTAMP, inclusive)   $2 to (TIMESTAMP, exclusive)
--   $3 comma-separated workflow ids in view
--   $4 the segment (segment_of's paths) or NULL: a row per segment
--   $5, $6 the filter's paths and values (attributes_match) or NULL
SELECT segment_of(r.attributes, r.version, $4::VARCHAR) AS segment,
       epoch_us(min(r.anchor)) AS first_run_us
FROM run_facts(NULL) r
WHERE r.anchor >= $1::TIMESTAMP
  AND r.anchor < $2::TIMESTAMP
  AND list_contains(string_split($3::VARCHAR, ','), r.workflow_id)
  AND attributes_match(r.attributes, r.version, $5::VARCHAR, $6::VARCHAR)
GROUP BY segment_of(r.attributes, r.version, $4::VARCHAR)
ORDER BY first_run_us
