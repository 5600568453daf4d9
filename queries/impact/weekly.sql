-- The weekly series that `report impact` estimates effects on: per workflow
-- and ISO week (its Monday, UTC, as text YYYY-MM-DD) of the anchor, the counts and means of the
-- compare metrics that are means or rates. Rates are made from the counts in
-- Rust (src/metrics/rates.rs), not here.
--
-- Parameters (a segmented period query's six, src/engine:
-- Engine::segmented_period_query):
--   $1 from (TIMESTAMP, inclusive)   $2 to (TIMESTAMP, exclusive)
--   $3 comma-separated workflow ids
--   $4 the segment (a JSON list of attribute paths and `version`,
--      schema.sql's segment_of) or NULL: a row per workflow, week and segment
--   $5, $6 the filter's paths and values (attributes_match) or NULL
--
-- A run's facts are schema.sql's run_facts (current versions only): cycle
-- time for succeeded and escalated runs, response where a first response is
-- recorded. Human minutes per terminal run: from the go-live on, what the run
-- counts toward reclaimed hours (schema.sql's counted_human_minutes: none
-- recorded is 0, a failed run without them is B, fully manual, and without a
-- B such a run is left out); before it, as recorded (a manual run without
-- minutes is unmeasured, not free).
-- Sums are exact (microseconds, DECIMAL minutes) and converted once, so the
-- same data gives the same bits.
SELECT r.workflow_id,
       strftime(date_trunc('week', r.anchor), '%Y-%m-%d') AS week,
       r.segment,
       count(*) FILTER (WHERE r.terminal) AS terminal,
       count(*) FILTER (WHERE r.status = 'failed') AS failed,
       count(*) FILTER (WHERE r.status = 'escalated') AS escalated,
       count(r.cycle_us) AS cycle_n,
       sum(r.cycle_us)::DOUBLE / nullif(count(r.cycle_us), 0) / 60000000.0::DOUBLE AS cycle_mean_min,
       count(r.response_min) AS response_n,
       sum(r.response_min::DECIMAL(38, 6))::DOUBLE / nullif(count(r.response_min), 0)
           AS response_mean_min,
       count(r.human) FILTER (WHERE r.terminal) AS human_n,
       sum(r.human::DECIMAL(38, 6)) FILTER (WHERE r.terminal)::DOUBLE
           / nullif(count(r.human) FILTER (WHERE r.terminal), 0) AS human_mean_min
FROM (
    SELECT f.*,
           CASE WHEN automated_at(f.anchor, t.automated_since)
                THEN counted_human_minutes(f.status, f.human_minutes, t.b)
                ELSE f.human_minutes END AS human,
           segment_of(f.attributes, f.version, $4::VARCHAR) AS segment
    FROM run_facts(NULL) f
    LEFT JOIN bounded_terms(NULL, $3::VARCHAR) t
      ON t.workflow_id = f.workflow_id
     AND in_force(f.anchor, t.term_from, t.term_to)
) r
WHERE r.anchor >= $1::TIMESTAMP
  AND r.anchor < $2::TIMESTAMP
  AND list_contains(string_split($3::VARCHAR, ','), r.workflow_id)
  AND attributes_match(r.attributes, r.version, $5::VARCHAR, $6::VARCHAR)
GROUP BY r.workflow_id, strftime(date_trunc('week', r.anchor), '%Y-%m-%d'), r.segment
ORDER BY r.workflow_id, week, r.segment
