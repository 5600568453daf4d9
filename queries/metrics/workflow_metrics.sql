-- The per-workflow metric table of one or more consecutive periods: the metric
-- definitions of DESIGN.md in SQL.
--
-- Parameters:
--   $1 from (TIMESTAMP, inclusive)   $2 to (TIMESTAMP, exclusive): the whole span
--   $3 leak horizon in days (DOUBLE) $4 comma-separated workflow ids, or NULL for all
--   $5 as-of (TIMESTAMP, or NULL for now): the catalogue version, and only the
--      batches, recorded by then
--   $6 the period bounds, comma-separated ISO timestamps in increasing order,
--      from $1 to $2: "from,to" for one period, "w0,w1,...,wn" for n periods of
--      a trend (one query instead of n; planning dominates on small data)
--   $7 the segment: a JSON list of attribute paths and `version` (schema.sql's
--      segment_of), or NULL: one row per period and workflow
--   $8, $9 the filter: JSON lists of such paths and the values they must
--      have (attributes_match), or NULL: every run
--
-- A run's facts (anchor, cycle and response times, terminal, counted human
-- minutes) are schema.sql's run_facts and counted_human_minutes: this query
-- aggregates them. A run belongs to a period when its anchor lies in
-- [start, end), and is measured by the terms (B, hourly cost, SLAs) of the
-- catalogue row in force at its anchor (schema.sql's terms_as_of). Every catalogued workflow gets a row in every period,
-- also with no runs; rows are ordered by period, then workflow. The first
-- column, period_start, is split off by the caller. Segmented ($7), a
-- workflow has a row per segment seen in the whole span, in every period,
-- and one row with a NULL segment when it has no runs; the last column,
-- segment, is NULL when not segmented.
-- Minutes are floating point, from microsecond timestamps.
--
-- Reproducibility: DuckDB sums in parallel, in no fixed order, and a floating-
-- point sum depends on its order in the last digit. Every sum here is therefore
-- exact — integers (microseconds) or DECIMAL(38, 6) (minutes to the micro-minute)
-- — and converted to DOUBLE once, so the same data gives the same bits.
WITH
periods AS (
    SELECT * FROM periods_of($6::VARCHAR)
),
wf AS (
    SELECT w.*
    FROM workflows_as_of($5::TIMESTAMP) w
    WHERE $4::VARCHAR IS NULL
       OR list_contains(string_split($4::VARCHAR, ','), w.workflow_id)
),
-- Each workflow's terms over time with B, the baseline handle minutes per
-- item, each in force over [term_from, term_to) (bounded_terms in schema.sql).
terms AS (
    SELECT * FROM bounded_terms($5::TIMESTAMP, $4::VARCHAR)
),
-- Per period and workflow, the terms in force at some moment of the period:
-- whether every moment of it has terms with a B (with an hourly cost), and
-- the B in force at its end.
period_terms AS (
    SELECT p.period_start,
           t.workflow_id,
           bool_and(t.b IS NOT NULL) AND min(t.term_from) <= p.period_start AS every_b,
           bool_and(t.hourly_cost IS NOT NULL) AND min(t.term_from) <= p.period_start AS every_cost,
           list(t.b ORDER BY t.term_from)[-1] AS b_at_end
    FROM periods p
    JOIN terms t ON t.term_from < p.period_end AND t.term_to > p.period_start
    GROUP BY p.period_start, t.workflow_id
),
-- The periods by the UTC days they touch (period_days_of in schema.sql).
period_days AS (
    SELECT * FROM period_days_of($6::VARCHAR)
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
           -- Reclaimed minutes, Σ (B − counted human minutes), over the runs that
           -- reclaim (schema.sql), summed as (runs counted) × B − Σ counted human minutes.
           reclaims(r.terminal, r.anchor, t.automated_since, r.status, r.human_minutes) AS reclaims,
           counted_human_minutes(r.status, r.human_minutes, t.b) AS human_counted,
           t.term_from,
           t.b,
           t.hourly_cost,
           t.sla_response_minutes,
           t.sla_cycle_minutes,
           segment_of(r.attributes, r.version, $7::VARCHAR) AS segment
    -- Both joins are LEFT joins on purpose. Every run of the span finds its one
    -- period (the periods tile [$1, $2)), and a run of a workflow outside `wf`
    -- forms groups that the final select never reads; but as outer joins they
    -- keep DuckDB from estimating the runs side as tiny and building its hash
    -- tables on millions of runs instead of on the periods and workflows
    -- (measured at 10M runs: 1.3–1.8 s → 0.65 s for a quarter, 8 s → 2.7 s for
    -- a weekly year).
    FROM run_facts($5::TIMESTAMP) r
    LEFT JOIN period_days p
      ON date_trunc('day', r.anchor) = p.day
     AND r.anchor >= p.period_start
     AND r.anchor < p.period_end
    LEFT JOIN terms t
      ON t.workflow_id = r.workflow_id
     AND in_force(r.anchor, t.term_from, t.term_to)
    WHERE r.anchor >= $1::TIMESTAMP
      AND r.anchor < $2::TIMESTAMP
      AND ($4::VARCHAR IS NULL
           OR list_contains(string_split($4::VARCHAR, ','), r.workflow_id))
      AND attributes_match(r.attributes, r.version, $8::VARCHAR, $9::VARCHAR)
),
-- The segments of each workflow over the whole span (one NULL segment when
-- not segmented), so every period has the same rows.
wf_segments AS (
    SELECT wf.*, s.segment
    FROM wf
    LEFT JOIN (SELECT DISTINCT workflow_id, segment FROM period_runs) s
      ON s.workflow_id = wf.workflow_id
),
agg AS (
    SELECT period_start,
           workflow_id,
           segment,
           count(*) AS runs,
           count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'escalated') AS escalated,
           count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
           count(*) FILTER (WHERE status = 'running') AS running,
           -- Leakage: still running, and anchored more than the horizon before the period's end.
           count(*) FILTER (WHERE status = 'running'
                              AND epoch_us(anchor) < epoch_us(period_end) - $3::DOUBLE * 86400000000.0::DOUBLE)
               AS leaked,
           count(cycle_min) AS cycle_time_n,
           sum(cycle_us)::DOUBLE / count(cycle_us) / 60000000.0::DOUBLE AS cycle_time_mean_min,
           quantile_cont(cycle_min, 0.5) AS cycle_time_p50_min,
           quantile_cont(cycle_min, 0.9) AS cycle_time_p90_min,
           count(response_min) AS response_n,
           quantile_cont(response_min, 0.5) AS response_p50_min,
           quantile_cont(response_min, 0.9) AS response_p90_min,
           -- SLA compliance: among runs with a response / with a cycle time.
           avg(CASE WHEN response_min IS NOT NULL AND sla_response_minutes IS NOT NULL
                    THEN CASE WHEN response_min <= sla_response_minutes THEN 1.0 ELSE 0.0 END END)
               AS sla_response_compliance,
           avg(CASE WHEN cycle_min IS NOT NULL AND sla_cycle_minutes IS NOT NULL
                    THEN CASE WHEN cycle_min <= sla_cycle_minutes THEN 1.0 ELSE 0.0 END END)
               AS sla_cycle_compliance
    FROM period_runs
    GROUP BY period_start, workflow_id, segment
),
-- The reclaiming runs by the terms they fall in: B and the hourly cost are
-- the same within one terms row.
term_agg AS (
    SELECT period_start,
           workflow_id,
           segment,
           term_from,
           count(*) AS runs,
           max(b) AS b,              -- the same on every run of a terms row
           max(hourly_cost) AS hourly_cost,
           sum(human_counted::DECIMAL(38, 6)) AS human_min
    FROM period_runs
    WHERE reclaims
    GROUP BY period_start, workflow_id, segment, term_from
),
-- Reclaimed minutes, Σ (B − counted human minutes), summed as Σ runs × B over
-- the terms rows minus the exact Σ of human minutes; money the same with each
-- terms row's minutes valued at its own hourly cost. The few terms rows are
-- summed in their order of time (list_sum), so the same data gives the same bits.
reclaim AS (
    SELECT period_start,
           workflow_id,
           segment,
           list_sum(list(runs * b ORDER BY term_from))
               - sum(human_min)::DOUBLE AS minutes,
           list_sum(list((runs * b - human_min::DOUBLE) * hourly_cost ORDER BY term_from))
               AS money_minutes
    FROM term_agg
    GROUP BY period_start, workflow_id, segment
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
       -- Rates over succeeded + failed + escalated; cancelled and running are left out.
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
       -- B of the terms in force at the period's end.
       pt.b_at_end AS baseline_minutes_per_item,
       -- Reclaimed hours need a go-live date and a B in every terms row in
       -- force in the period, money also an hourly cost; 0 when no run counts.
       CASE WHEN pt.every_b AND wf.automated_since IS NOT NULL
            THEN coalesce(rc.minutes, 0) / 60.0::DOUBLE END AS reclaimed_hours,
       CASE WHEN pt.every_b AND pt.every_cost AND wf.automated_since IS NOT NULL
            THEN coalesce(rc.money_minutes, 0) / 60.0::DOUBLE END AS reclaimed_money,
       wf.currency,
       wf.segment
FROM periods p
CROSS JOIN wf_segments wf
LEFT JOIN period_terms pt ON pt.period_start = p.period_start AND pt.workflow_id = wf.workflow_id
LEFT JOIN agg a ON a.period_start = p.period_start AND a.workflow_id = wf.workflow_id
                AND a.segment IS NOT DISTINCT FROM wf.segment
LEFT JOIN reclaim rc ON rc.period_start = p.period_start AND rc.workflow_id = wf.workflow_id
                    AND rc.segment IS NOT DISTINCT FROM wf.segment
ORDER BY p.period_start, wf.workflow_id, wf.segment;
