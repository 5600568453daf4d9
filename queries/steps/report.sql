-- Per step of one workflow's runs in a period: how long the work takes and how
-- long the case waited before it, and their shares of the runs' cycle time.
--
-- Parameters: $1 from (TIMESTAMP, inclusive), $2 to (TIMESTAMP, exclusive),
--             $3 workflow id.
--
-- A run belongs to the period by its anchor (schema.sql: run_facts),
-- as in the metric table; only current run versions with steps count.
-- work = finished_at − started_at of the step; wait before a step = its start
-- minus the latest finish of the run's earlier steps (by seq), or minus the
-- run's anchor for the first step, and never below zero: a step that started
-- before the earlier ones had finished (work in parallel) did not wait, and
-- `overlapped` counts the instances whose wait was so set to zero.
-- Shares divide by Σ cycle time (finished_at − anchor) of the runs with steps,
-- all sums exact in microseconds.
WITH runs_in AS (
    SELECT r.source, r.run_id,
           r.anchor,
           epoch_us(r.finished_at) - epoch_us(r.anchor) AS cycle_us
    FROM run_facts(NULL) r
    WHERE r.workflow_id = $3::VARCHAR
      AND r.finished_at IS NOT NULL
      AND r.anchor >= $1::TIMESTAMP
      AND r.anchor < $2::TIMESTAMP
      AND EXISTS (SELECT 1 FROM run_steps s WHERE s.source = r.source AND s.run_id = r.run_id)
),
steps AS (
    SELECT s.step,
           epoch_us(s.finished_at) - epoch_us(s.started_at) AS work_us,
           epoch_us(s.started_at) - epoch_us(coalesce(
               max(s.finished_at) OVER (PARTITION BY s.source, s.run_id ORDER BY s.seq
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
               r.anchor)) AS gap_us
    FROM run_steps s
    JOIN runs_in r ON r.source = s.source AND r.run_id = s.run_id
),
waits AS (
    SELECT step, work_us, greatest(0, gap_us) AS wait_us, gap_us < 0 AS overlapped
    FROM steps
),
total AS (
    SELECT sum(cycle_us) AS cycle_us, count(*) AS runs FROM runs_in
)
SELECT step,
       count(*) AS n,
       sum(work_us)::DOUBLE / count(*) / 60000000.0 AS work_mean_min,
       quantile_cont(work_us / 60000000.0, 0.5) AS work_p50_min,
       sum(wait_us)::DOUBLE / count(*) / 60000000.0 AS wait_mean_min,
       quantile_cont(wait_us / 60000000.0, 0.5) AS wait_p50_min,
       sum(work_us)::DOUBLE / nullif((SELECT cycle_us FROM total), 0) AS work_share,
       sum(wait_us)::DOUBLE / nullif((SELECT cycle_us FROM total), 0) AS wait_share,
       (SELECT runs FROM total) AS runs,
       count(*) FILTER (WHERE overlapped) AS overlapped
FROM waits
GROUP BY step
ORDER BY step
