-- The Spark SQL variant of waterfall.sql (engine/as_of.spark.sql comes
-- first): reclaimed hours from gross to net per workflow for [:from, :to).
-- Read waterfall.sql for what each field means; list_sum(list(x ORDER BY
-- term_from)) is aggregate(transform(array_sort(collect_list(...)))).
WITH
terms_in AS (
    SELECT t.*
    FROM terms t
    WHERE :workflows = '' OR array_contains(split(:workflows, ','), t.workflow_id)
),
counted AS (
    SELECT r.workflow_id,
           t.term_from,
           t.b,
           t.cost_per_run,
           r.status,
           r.terminal,
           by_hand(r.status, r.human_minutes) AS done_by_hand,
           CAST(coalesce(r.human_minutes, 0D) AS DECIMAL(38, 6)) AS human
    FROM runs_as_of r
    JOIN terms_in t
      ON t.workflow_id = r.workflow_id
     AND in_force(r.anchor, t.term_from, t.term_to)
    WHERE r.anchor_month >= CAST(date_format(CAST(:from AS TIMESTAMP_NTZ), 'yyyyMM') AS INT)
      AND r.anchor_month <= CAST(date_format(CAST(:to AS TIMESTAMP_NTZ), 'yyyyMM') AS INT)
      AND r.anchor >= CAST(:from AS TIMESTAMP_NTZ)
      AND r.anchor < CAST(:to AS TIMESTAMP_NTZ)
      AND automated_at(r.anchor, t.automated_since)
),
by_terms AS (
    SELECT workflow_id,
           term_from,
           max(b) AS b,
           max(cost_per_run) AS cost_per_run,
           count(*) AS executions,
           count(*) FILTER (WHERE terminal) AS runs,
           count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE status = 'escalated') AS escalated,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE done_by_hand) AS by_hand,
           coalesce(sum(human) FILTER (WHERE status = 'succeeded'), 0) AS human_succeeded,
           coalesce(sum(human) FILTER (WHERE status = 'escalated'), 0) AS human_escalated,
           coalesce(sum(human) FILTER (WHERE status = 'failed'), 0) AS human_failed
    FROM counted
    GROUP BY workflow_id, term_from
)
SELECT workflow_id,
       CAST(sum(executions) AS BIGINT) AS executions,
       CAST(sum(runs) AS BIGINT) AS runs,
       CAST(sum(succeeded) AS BIGINT) AS succeeded,
       CAST(sum(escalated) AS BIGINT) AS escalated,
       CAST(sum(failed) AS BIGINT) AS failed,
       CAST(sum(by_hand) AS BIGINT) AS by_hand,
       aggregate(transform(array_sort(collect_list(named_struct('t', term_from, 'x', runs * b))), s -> s.x),
                 0D, (acc, x) -> acc + x) / 60.0D AS gross_hours,
       CAST(sum(human_succeeded) AS DOUBLE) / 60.0D AS human_succeeded_hours,
       CAST(sum(human_escalated) AS DOUBLE) / 60.0D AS human_escalated_hours,
       (aggregate(transform(array_sort(collect_list(named_struct('t', term_from, 'x', by_hand * b))), s -> s.x),
                  0D, (acc, x) -> acc + x)
        + CAST(sum(human_failed) AS DOUBLE)) / 60.0D AS failed_hours,
       CASE WHEN bool_or(cost_per_run IS NOT NULL)
            THEN aggregate(transform(array_sort(collect_list(named_struct('t', term_from,
                     'x', coalesce(executions * cost_per_run, 0D)))), s -> s.x),
                     0D, (acc, x) -> acc + x) END AS run_cost
FROM by_terms
GROUP BY workflow_id
ORDER BY workflow_id
