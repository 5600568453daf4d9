-- Reclaimed hours from gross to net, per workflow, for the period [$1, $2):
-- over the terminal runs anchored at or after the workflow's go-live (those
-- the metric table's reclaimed hours sum), each with the B of the terms in
-- force at its anchor (schema.sql's bounded_terms):
--   gross_hours             Σ B, every such run (one done by hand included)
--   human_succeeded_hours   Σ human minutes of the succeeded runs
--   human_escalated_hours   Σ human minutes of the escalated runs
--   failed_hours            Σ over failed runs of their human minutes, or B
--                           for a run done by hand entirely (by_hand)
-- so that gross − the three steps is Σ (B − counted human minutes), the
-- metric table's reclaimed hours; and over every run since go-live whatever
-- its status (`executions`), the platform's charge:
--   run_cost                Σ cost_per_run of the terms at each run's anchor
--                           (NULL when no terms state one) Human minutes are summed exactly
-- (DECIMAL(38, 6)) and the few terms rows in their order of time.
-- Parameters: $1 from, $2 to, $3 workflows (comma-separated) or NULL, $4
-- as-of or NULL.
WITH
terms AS (
    SELECT * FROM bounded_terms($4::TIMESTAMP, $3::VARCHAR)
),
counted AS (
    SELECT r.workflow_id,
           t.term_from,
           t.b,
           t.cost_per_run,
           r.status,
           r.terminal,
           by_hand(r.status, r.human_minutes) AS done_by_hand,
           coalesce(r.human_minutes, 0)::DECIMAL(38, 6) AS human
    FROM run_facts($4::TIMESTAMP) r
    JOIN terms t
      ON t.workflow_id = r.workflow_id
     AND in_force(r.anchor, t.term_from, t.term_to)
    WHERE r.anchor >= $1::TIMESTAMP
      AND r.anchor < $2::TIMESTAMP
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
       sum(executions)::BIGINT AS executions,
       sum(runs)::BIGINT AS runs,
       sum(succeeded)::BIGINT AS succeeded,
       sum(escalated)::BIGINT AS escalated,
       sum(failed)::BIGINT AS failed,
       sum(by_hand)::BIGINT AS by_hand,
       list_sum(list(runs * b ORDER BY term_from)) / 60.0::DOUBLE AS gross_hours,
       sum(human_succeeded)::DOUBLE / 60.0::DOUBLE AS human_succeeded_hours,
       sum(human_escalated)::DOUBLE / 60.0::DOUBLE AS human_escalated_hours,
       (list_sum(list(by_hand * b ORDER BY term_from)) + sum(human_failed)::DOUBLE)
           / 60.0::DOUBLE AS failed_hours,
       -- The platform's charge: cost_per_run of the terms of each run, every
       -- run since go-live whatever its status; NULL when no terms state one.
       CASE WHEN bool_or(cost_per_run IS NOT NULL)
            THEN list_sum(list(executions * cost_per_run ORDER BY term_from)) END AS run_cost
FROM by_terms
GROUP BY workflow_id
ORDER BY workflow_id;
