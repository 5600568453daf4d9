-- The Spark SQL variant of report.sql: per step of the runs of :workflow
-- anchored in [:from, :to), current now (engine/as_of.spark.sql comes first;
-- :as_of is ''), how long the work takes and how long the case waited before
-- it, and their shares of the runs' cycle time. Read report.sql for the
-- definitions; quantile_cont is percentile, epoch_us is unix_micros.
WITH runs_in AS (
    SELECT r.source, r.run_id,
           r.anchor,
           unix_micros(CAST(r.finished_at AS TIMESTAMP))
               - unix_micros(CAST(r.anchor AS TIMESTAMP)) AS cycle_us
    FROM runs_as_of r
    WHERE r.workflow_id = :workflow
      AND r.finished_at IS NOT NULL
      AND r.anchor >= CAST(:from AS TIMESTAMP_NTZ)
      AND r.anchor < CAST(:to AS TIMESTAMP_NTZ)
      AND EXISTS (SELECT 1 FROM run_steps s WHERE s.source = r.source AND s.run_id = r.run_id)
),
steps AS (
    SELECT s.step,
           unix_micros(CAST(s.finished_at AS TIMESTAMP))
               - unix_micros(CAST(s.started_at AS TIMESTAMP)) AS work_us,
           unix_micros(CAST(s.started_at AS TIMESTAMP)) - unix_micros(CAST(coalesce(
               max(s.finished_at) OVER (PARTITION BY s.source, s.run_id ORDER BY s.seq
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
               r.anchor) AS TIMESTAMP)) AS gap_us
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
       CAST(sum(work_us) AS DOUBLE) / count(*) / 60000000.0D AS work_mean_min,
       percentile(work_us / 60000000.0D, 0.5D) AS work_p50_min,
       CAST(sum(wait_us) AS DOUBLE) / count(*) / 60000000.0D AS wait_mean_min,
       percentile(wait_us / 60000000.0D, 0.5D) AS wait_p50_min,
       CAST(sum(work_us) AS DOUBLE) / nullif((SELECT cycle_us FROM total), 0) AS work_share,
       CAST(sum(wait_us) AS DOUBLE) / nullif((SELECT cycle_us FROM total), 0) AS wait_share,
       (SELECT runs FROM total) AS runs,
       count_if(overlapped) AS overlapped
FROM waits
GROUP BY step
ORDER BY step
