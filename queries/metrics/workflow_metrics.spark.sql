-- The Spark SQL variant of workflow_metrics.sql, for the Spark engine over the
-- lake (see src/engine/spark.rs): the same definitions, field for field, and a
-- test holds both engines' tables equal. Read workflow_metrics.sql for what
-- each field means; only Spark's dialect differs here:
--   * parameters are named and bound as strings; '' stands for NULL
--     (:workflows '' = all workflows, :as_of '' = now);
--   * the table macros of schema.sql (workflows_as_of, baselines_as_of,
--     known_at, current_at) are the CTEs of engine/as_of.spark.sql, which the
--     engine puts first; a run's facts come from the session's run_facts view
--     and counted_human_minutes function (engine/run_facts.spark.sql);
--   * quantile_cont is percentile (exact, interpolating linearly between the
--     two nearest ranks, as quantile_cont does); epoch_us is unix_micros;
--   * floating-point literals carry a D suffix: a bare 1.0 is a DECIMAL in
--     Spark and avg() over it would round to a few digits;
--   * timestamps are TIMESTAMP_NTZ (the lake stores UTC wall-clock values,
--     as DuckDB's TIMESTAMP does), and the session time zone is UTC;
--   * runs are partitioned by anchor_month (yyyymm of the anchor), so the
--     period's months prune the files read.
WITH
periods AS (
    SELECT period_start, period_end
    FROM (
        SELECT CAST(b AS TIMESTAMP_NTZ) AS period_start,
               lead(CAST(b AS TIMESTAMP_NTZ)) OVER (ORDER BY CAST(b AS TIMESTAMP_NTZ)) AS period_end
        FROM (SELECT explode(split(:bounds, ',')) AS b)
    )
    WHERE period_end IS NOT NULL
),
wf_b AS (
    SELECT *
    FROM catalogue
    WHERE :workflows = '' OR array_contains(split(:workflows, ','), workflow_id)
),
terms_in AS (
    SELECT t.*
    FROM terms t
    WHERE :workflows = '' OR array_contains(split(:workflows, ','), t.workflow_id)
),
period_terms AS (
    SELECT p.period_start,
           t.workflow_id,
           bool_and(t.b IS NOT NULL) AND min(t.term_from) <= p.period_start AS every_b,
           bool_and(t.hourly_cost IS NOT NULL) AND min(t.term_from) <= p.period_start AS every_cost,
           element_at(transform(array_sort(collect_list(named_struct('t', t.term_from, 'x', t.b))), s -> s.x), -1)
               AS b_at_end
    FROM periods p
    JOIN terms_in t ON t.term_from < p.period_end AND t.term_to > p.period_start
    GROUP BY p.period_start, t.workflow_id
),
current_runs AS (
    SELECT r.*
    FROM runs_as_of r
    WHERE r.anchor_month >= CAST(date_format(CAST(:from AS TIMESTAMP_NTZ), 'yyyyMM') AS INT)
      AND r.anchor_month <= CAST(date_format(CAST(:to AS TIMESTAMP_NTZ), 'yyyyMM') AS INT)
      AND r.anchor >= CAST(:from AS TIMESTAMP_NTZ)
      AND r.anchor < CAST(:to AS TIMESTAMP_NTZ)
      AND (:workflows = '' OR array_contains(split(:workflows, ','), r.workflow_id))
),
period_days AS (
    SELECT explode(sequence(to_date(period_start), to_date(period_end), INTERVAL 1 DAY)) AS day,
           period_start,
           period_end
    FROM periods
),
period_runs AS (
    SELECT p.period_start,
           p.period_end,
           r.workflow_id,
           r.status,
           r.anchor,
           r.cycle_us,
           r.cycle_min,
           r.response_min,
           reclaims(r.terminal, r.anchor, t.automated_since, r.status, r.human_minutes) AS reclaims,
           counted_human_minutes(r.status, r.human_minutes, t.b) AS human_counted,
           t.term_from,
           t.b,
           t.hourly_cost,
           t.sla_response_minutes,
           t.sla_cycle_minutes
    FROM current_runs r
    LEFT JOIN period_days p
      ON to_date(r.anchor) = p.day
     AND r.anchor >= p.period_start
     AND r.anchor < p.period_end
    LEFT JOIN terms_in t
      ON t.workflow_id = r.workflow_id
     AND in_force(r.anchor, t.term_from, t.term_to)
),
agg AS (
    SELECT period_start,
           workflow_id,
           count(*) AS runs,
           count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'escalated') AS escalated,
           count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
           count(*) FILTER (WHERE status = 'running') AS running,
           count(*) FILTER (WHERE status = 'running'
                              AND unix_micros(CAST(anchor AS TIMESTAMP))
                                  < unix_micros(CAST(period_end AS TIMESTAMP))
                                    - CAST(:horizon AS DOUBLE) * 86400000000.0D)
               AS leaked,
           count(cycle_min) AS cycle_time_n,
           CAST(sum(cycle_us) AS DOUBLE) / count(cycle_us) / 60000000.0D AS cycle_time_mean_min,
           percentile(cycle_min, 0.5D) AS cycle_time_p50_min,
           percentile(cycle_min, 0.9D) AS cycle_time_p90_min,
           count(response_min) AS response_n,
           percentile(response_min, 0.5D) AS response_p50_min,
           percentile(response_min, 0.9D) AS response_p90_min,
           avg(CASE WHEN response_min IS NOT NULL AND sla_response_minutes IS NOT NULL
                    THEN CASE WHEN response_min <= sla_response_minutes THEN 1.0D ELSE 0.0D END END)
               AS sla_response_compliance,
           avg(CASE WHEN cycle_min IS NOT NULL AND sla_cycle_minutes IS NOT NULL
                    THEN CASE WHEN cycle_min <= sla_cycle_minutes THEN 1.0D ELSE 0.0D END END)
               AS sla_cycle_compliance
    FROM period_runs
    GROUP BY period_start, workflow_id
),
term_agg AS (
    SELECT period_start,
           workflow_id,
           term_from,
           count(*) AS runs,
           max(b) AS b,
           max(hourly_cost) AS hourly_cost,
           sum(CAST(human_counted AS DECIMAL(38, 6))) AS human_min
    FROM period_runs
    WHERE reclaims
    GROUP BY period_start, workflow_id, term_from
),
-- list_sum(list(x ORDER BY term_from)): the terms rows summed in their order of time.
reclaim AS (
    SELECT period_start,
           workflow_id,
           aggregate(transform(array_sort(collect_list(named_struct('t', term_from, 'x', runs * b))), s -> s.x),
                     0D, (acc, x) -> acc + x)
               - CAST(sum(human_min) AS DOUBLE) AS minutes,
           aggregate(transform(array_sort(collect_list(named_struct('t', term_from,
                         'x', (runs * b - CAST(human_min AS DOUBLE)) * hourly_cost))), s -> s.x),
                     0D, (acc, x) -> acc + x) AS money_minutes
    FROM term_agg
    GROUP BY period_start, workflow_id
)
SELECT p.period_start,
       wf.workflow_id,
       coalesce(a.runs, 0) AS runs,
       coalesce(a.succeeded, 0) AS succeeded,
       coalesce(a.failed, 0) AS failed,
       coalesce(a.escalated, 0) AS escalated,
       coalesce(a.cancelled, 0) AS cancelled,
       coalesce(a.running, 0) AS running,
       coalesce(a.leaked, 0) AS leaked,
       a.failed / nullif(a.succeeded + a.failed + a.escalated, 0) AS error_rate,
       a.escalated / nullif(a.succeeded + a.failed + a.escalated, 0) AS escalation_rate,
       coalesce(a.cycle_time_n, 0) AS cycle_time_n,
       a.cycle_time_mean_min,
       a.cycle_time_p50_min,
       a.cycle_time_p90_min,
       coalesce(a.response_n, 0) AS response_n,
       a.response_p50_min,
       a.response_p90_min,
       a.sla_response_compliance,
       a.sla_cycle_compliance,
       pt.b_at_end AS baseline_minutes_per_item,
       CASE WHEN pt.every_b AND wf.automated_since IS NOT NULL
            THEN coalesce(rc.minutes, 0D) / 60.0D END AS reclaimed_hours,
       CASE WHEN pt.every_b AND pt.every_cost AND wf.automated_since IS NOT NULL
            THEN coalesce(rc.money_minutes, 0D) / 60.0D END AS reclaimed_money,
       wf.currency
FROM periods p
CROSS JOIN wf_b wf
LEFT JOIN period_terms pt ON pt.period_start = p.period_start AND pt.workflow_id = wf.workflow_id
LEFT JOIN agg a ON a.period_start = p.period_start AND a.workflow_id = wf.workflow_id
LEFT JOIN reclaim rc ON rc.period_start = p.period_start AND rc.workflow_id = wf.workflow_id
ORDER BY p.period_start, wf.workflow_id
