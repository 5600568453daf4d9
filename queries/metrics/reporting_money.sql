-- Reclaimed money in a reporting currency, per period, workflow and the
-- exchange rate used: the money of workflow_metrics.sql (each run at the B and
-- hourly cost of the terms in force at its anchor), each run converted at the
-- latest rate into $6 dated on or before its anchor's UTC date (1 for money
-- already in $6). The caller sums the groups of a period and workflow in
-- their order here; a group without a rate (`rate` NULL) is money that could
-- not be converted, and its runs are named by count.
--
-- Parameters: $1 from, $2 to, $3 workflows or NULL, $4 as-of or NULL, $5
-- the period bounds (as workflow_metrics.sql's $1, $2, $4, $5, $6), and $6
-- the reporting currency.
WITH
terms AS (
    SELECT * FROM bounded_terms($4::TIMESTAMP, $3::VARCHAR)
),
period_days AS (
    SELECT * FROM period_days_of($5::VARCHAR)
),
-- The reclaiming runs (workflow_metrics.sql's `reclaims`) by period,
-- workflow, terms row and anchor day.
by_day AS (
    SELECT p.period_start,
           r.workflow_id,
           t.term_from,
           t.currency,
           date_trunc('day', r.anchor)::DATE AS day,
           count(*) AS runs,
           max(t.b) AS b,
           max(t.hourly_cost) AS hourly_cost,
           sum(counted_human_minutes(r.status, r.human_minutes, t.b)::DECIMAL(38, 6)) AS human_min
    FROM run_facts($4::TIMESTAMP) r
    JOIN period_days p
      ON date_trunc('day', r.anchor) = p.day
     AND r.anchor >= p.period_start
     AND r.anchor < p.period_end
    JOIN terms t
      ON t.workflow_id = r.workflow_id
     AND in_force(r.anchor, t.term_from, t.term_to)
    WHERE r.anchor >= $1::TIMESTAMP
      AND r.anchor < $2::TIMESTAMP
      AND reclaims(r.terminal, r.anchor, t.automated_since, r.status, r.human_minutes)
    GROUP BY ALL
),
rates AS (
    SELECT date, currency, rate
    FROM fx_rates
    WHERE "to" = $6::VARCHAR AND known_at(batch_id, $4::TIMESTAMP)
),
-- Each day's rate: the latest dated on or before it.
valued AS (
    SELECT d.*,
           CASE WHEN d.currency = $6::VARCHAR THEN NULL ELSE x.date END AS rate_date,
           CASE WHEN d.currency = $6::VARCHAR THEN 1.0::DOUBLE ELSE x.rate END AS rate
    FROM by_day d
    ASOF LEFT JOIN rates x ON x.currency = d.currency AND d.day >= x.date
)
SELECT period_start,
       workflow_id,
       currency,
       -- Days as timestamps (midnight UTC): the frames carry no DATE type.
       rate_date::TIMESTAMP AS rate_date,
       rate,
       sum(runs)::BIGINT AS runs,
       min(day)::TIMESTAMP AS first_day,
       max(day)::TIMESTAMP AS last_day,
       -- Σ (B − counted human minutes) × hourly cost over the group, in its
       -- own currency, summed in order of time.
       list_sum(list((runs * b - human_min::DOUBLE) * hourly_cost ORDER BY term_from, day))
           / 60.0::DOUBLE AS money
FROM valued
GROUP BY period_start, workflow_id, currency, rate_date, rate
ORDER BY period_start, workflow_id, min(day);
