-- The metric table of one period, written by hand as one plain query over the
-- plain tables DuckDB loaded itself (bench_runs, bench_workflows,
-- bench_baselines): no versions, no as-of, no period list. The benchmark's
-- peer of queries/metrics/workflow_metrics.sql; the harness checks that both
-- give the same numbers. $1 from, $2 to, $3 leak horizon in days.
WITH
wf AS (
    SELECT w.workflow_id, w.hourly_cost, w.currency, w.automated_since,
           w.sla_response_minutes, w.sla_cycle_minutes,
           coalesce(w.baseline_minutes_per_item, o.mean_handle) AS b
    FROM bench_workflows w
    LEFT JOIN (
        SELECT workflow_id, sum(handle_minutes::DECIMAL(38, 6))::DOUBLE / count(*) AS mean_handle
        FROM bench_baselines GROUP BY workflow_id
    ) o USING (workflow_id)
),
r AS (
    SELECT workflow_id, status, human_minutes,
           coalesce(trigger_at, started_at)::TIMESTAMP AS anchor,
           CASE WHEN status IN ('succeeded', 'escalated')
                THEN epoch_us(finished_at::TIMESTAMP) - epoch_us(coalesce(trigger_at, started_at)::TIMESTAMP) END AS cycle_us,
           (epoch_us(first_response_at::TIMESTAMP) - epoch_us(coalesce(trigger_at, started_at)::TIMESTAMP)) / 60000000.0::DOUBLE
               AS response_min
    FROM bench_runs
    WHERE coalesce(trigger_at, started_at)::TIMESTAMP >= $1::TIMESTAMP
      AND coalesce(trigger_at, started_at)::TIMESTAMP < $2::TIMESTAMP
)
SELECT wf.workflow_id,
       count(r.status) AS runs,
       count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       count(*) FILTER (WHERE status = 'escalated') AS escalated,
       count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE status = 'running') AS running,
       count(*) FILTER (WHERE status = 'running'
                          AND epoch_us(anchor) < epoch_us($2::TIMESTAMP) - $3::DOUBLE * 86400000000.0) AS leaked,
       failed / nullif(succeeded + failed + escalated, 0) AS error_rate,
       escalated / nullif(succeeded + failed + escalated, 0) AS escalation_rate,
       count(cycle_us) AS cycle_time_n,
       sum(cycle_us)::DOUBLE / count(cycle_us) / 60000000.0 AS cycle_time_mean_min,
       quantile_cont(cycle_us / 60000000.0::DOUBLE, 0.5) AS cycle_time_p50_min,
       quantile_cont(cycle_us / 60000000.0::DOUBLE, 0.9) AS cycle_time_p90_min,
       count(response_min) AS response_n,
       quantile_cont(response_min, 0.5) AS response_p50_min,
       quantile_cont(response_min, 0.9) AS response_p90_min,
       avg(CASE WHEN sla_response_minutes IS NOT NULL THEN (response_min <= sla_response_minutes)::INTEGER END)
           AS sla_response_compliance,
       avg(CASE WHEN sla_cycle_minutes IS NOT NULL THEN (cycle_us / 60000000.0::DOUBLE <= sla_cycle_minutes)::INTEGER END)
           AS sla_cycle_compliance,
       wf.b AS baseline_minutes_per_item,
       CASE WHEN wf.b IS NOT NULL AND wf.automated_since IS NOT NULL THEN
           (count(*) FILTER (WHERE status IN ('succeeded', 'failed', 'escalated') AND anchor >= wf.automated_since
                              AND NOT (status = 'failed' AND human_minutes IS NULL)) * wf.b
            - coalesce(sum(coalesce(human_minutes, 0)::DECIMAL(38, 6))
                   FILTER (WHERE status IN ('succeeded', 'failed', 'escalated') AND anchor >= wf.automated_since), 0)::DOUBLE)
           / 60.0 END AS reclaimed_hours,
       CASE WHEN wf.b IS NOT NULL AND wf.automated_since IS NOT NULL THEN
           (count(*) FILTER (WHERE status IN ('succeeded', 'failed', 'escalated') AND anchor >= wf.automated_since
                              AND NOT (status = 'failed' AND human_minutes IS NULL)) * wf.b
            - coalesce(sum(coalesce(human_minutes, 0)::DECIMAL(38, 6))
                   FILTER (WHERE status IN ('succeeded', 'failed', 'escalated') AND anchor >= wf.automated_since), 0)::DOUBLE)
           * wf.hourly_cost / 60.0 END AS reclaimed_money,
       wf.currency AS currency
FROM wf
LEFT JOIN r USING (workflow_id)
GROUP BY wf.workflow_id, wf.b, wf.automated_since, wf.hourly_cost, wf.currency,
         wf.sla_response_minutes, wf.sla_cycle_minutes
ORDER BY wf.workflow_id;
