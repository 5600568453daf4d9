-- The facts of a run for the Spark engine: the twin of schema.sql's run_facts,
-- the one Spark text of each (anchor, terminal, cycle time in µs and minutes,
-- time to response), made a temporary view of the session each time the
-- engine points its views at a snapshot (src/engine/spark.rs), and the
-- function of the human minutes a run counts. Statements end with a line `;`. A view takes
-- no parameters, so it holds every run version; a query keeps the versions
-- current at its as-of moment itself. Read through it, the runs keep their
-- anchor_month partition column, so a filter on it still prunes files.
CREATE OR REPLACE TEMPORARY VIEW run_facts AS
SELECT r.*,
       coalesce(r.trigger_at, r.started_at) AS anchor,
       r.status IN ('succeeded', 'failed', 'escalated') AS terminal,
       CASE WHEN r.status IN ('succeeded', 'escalated')
            THEN unix_micros(CAST(r.finished_at AS TIMESTAMP))
                 - unix_micros(CAST(coalesce(r.trigger_at, r.started_at) AS TIMESTAMP))
       END AS cycle_us,
       CASE WHEN r.status IN ('succeeded', 'escalated')
            THEN (unix_micros(CAST(r.finished_at AS TIMESTAMP))
                  - unix_micros(CAST(coalesce(r.trigger_at, r.started_at) AS TIMESTAMP))) / 60000000.0D
       END AS cycle_min,
       (unix_micros(CAST(r.first_response_at AS TIMESTAMP))
        - unix_micros(CAST(coalesce(r.trigger_at, r.started_at) AS TIMESTAMP))) / 60000000.0D
           AS response_min
FROM runs r
;
-- Whether a run was done by hand entirely: the twin of schema.sql's by_hand.
CREATE OR REPLACE TEMPORARY FUNCTION by_hand(status STRING, human_minutes DOUBLE)
RETURNS BOOLEAN
RETURN status = 'failed' AND human_minutes IS NULL
;
-- The human minutes a terminal run counts toward reclaimed hours, given the
-- workflow's B: the twin of schema.sql's counted_human_minutes.
CREATE OR REPLACE TEMPORARY FUNCTION counted_human_minutes(status STRING, human_minutes DOUBLE, b DOUBLE)
RETURNS DOUBLE
RETURN CASE WHEN by_hand(status, human_minutes) THEN b
            ELSE coalesce(human_minutes, 0D) END
;
-- Whether a terms row is the one in force at a run's anchor: the twin of
-- schema.sql's in_force.
CREATE OR REPLACE TEMPORARY FUNCTION in_force(anchor TIMESTAMP_NTZ, term_from TIMESTAMP_NTZ,
    term_to TIMESTAMP_NTZ)
RETURNS BOOLEAN
RETURN anchor >= term_from AND anchor < term_to
;
-- Whether a run ran under the automation: the twin of schema.sql's automated_at.
CREATE OR REPLACE TEMPORARY FUNCTION automated_at(anchor TIMESTAMP_NTZ, automated_since TIMESTAMP_NTZ)
RETURNS BOOLEAN
RETURN automated_since IS NOT NULL AND anchor >= automated_since
;
-- Whether a run counts toward reclaimed hours: the twin of schema.sql's reclaims.
CREATE OR REPLACE TEMPORARY FUNCTION reclaims(terminal BOOLEAN, anchor TIMESTAMP_NTZ,
    automated_since TIMESTAMP_NTZ, status STRING, human_minutes DOUBLE)
RETURNS BOOLEAN
RETURN terminal AND automated_at(anchor, automated_since) AND NOT by_hand(status, human_minutes)
