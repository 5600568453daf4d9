-- Where the metric table of [$1, $2) comes from, as of $4 (NULL: now): for
-- each workflow of $3 (comma-separated, NULL: all) that has runs in the
-- period, and for all of them together (workflow_id NULL, last):
--   running, cancelled  runs left out of every rate, time and reclaimed figure
--   days_with_runs   the UTC days with at least one run anchored in them
--   first_run, last_run  the earliest and latest anchor
--   batches          the ingest batches that wrote those run versions
--   rejected_rows    the rows those batches refused (of any period: a
--                    refused row may have no readable time); NULL where the
--                    refused rows are not kept (a lake: rejects_kept())
--   newest_batch_at  when the newest of those batches was received
--   last_commit      (total row only) when the newest batch of any kind
--                    known at $4 was received: the freshness of the data
-- Moments are microseconds since the epoch (UTC), so that both engines give
-- the same integers.
WITH r AS (
    SELECT workflow_id, anchor, batch_id, status
    FROM run_facts($4)
    WHERE anchor >= $1 AND anchor < $2
      AND ($3 IS NULL OR list_contains(string_split($3, ','), workflow_id))
),
rejected AS (
    SELECT batch_id, count(*) AS n FROM rejects GROUP BY batch_id
),
days AS (
    SELECT workflow_id,
           count(*) FILTER (WHERE status = 'running') AS running,
           count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
           count(DISTINCT CAST(anchor AS DATE)) AS days_with_runs,
           min(anchor) AS first_run,
           max(anchor) AS last_run
    FROM r
    GROUP BY GROUPING SETS ((workflow_id), ())
),
per_workflow AS (
    SELECT w.workflow_id,
           count(*) AS batches,
           CASE WHEN rejects_kept() THEN coalesce(sum(j.n), 0) END AS rejected_rows,
           max(b.received_at) AS newest_batch_at,
           NULL::TIMESTAMP AS last_commit
    FROM (SELECT DISTINCT workflow_id, batch_id FROM r) w
    JOIN ingest_batches b ON b.batch_id = w.batch_id
    LEFT JOIN rejected j ON j.batch_id = w.batch_id
    GROUP BY w.workflow_id
),
total AS (
    SELECT NULL::VARCHAR AS workflow_id,
           count(w.batch_id) AS batches,
           CASE WHEN rejects_kept() THEN coalesce(sum(j.n), 0) END AS rejected_rows,
           max(b.received_at) AS newest_batch_at,
           (SELECT max(received_at) FROM ingest_batches
            WHERE $4 IS NULL OR received_at <= $4) AS last_commit
    FROM (SELECT DISTINCT batch_id FROM r) w
    JOIN ingest_batches b ON b.batch_id = w.batch_id
    LEFT JOIN rejected j ON j.batch_id = w.batch_id
)
SELECT d.workflow_id,
       d.running,
       d.cancelled,
       d.days_with_runs,
       epoch_us(d.first_run) AS first_run,
       epoch_us(d.last_run) AS last_run,
       x.batches,
       CAST(x.rejected_rows AS BIGINT) AS rejected_rows,
       epoch_us(x.newest_batch_at) AS newest_batch_at,
       epoch_us(x.last_commit) AS last_commit
FROM days d
JOIN (SELECT * FROM per_workflow UNION ALL SELECT * FROM total) x
  ON x.workflow_id IS NOT DISTINCT FROM d.workflow_id
ORDER BY d.workflow_id NULLS LAST;
