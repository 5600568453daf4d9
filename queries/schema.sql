-- Yardstick's tables. Every statement is idempotent, so opening an existing
-- database file runs this again without harm. All timestamps are UTC.

CREATE SEQUENCE IF NOT EXISTS batch_id_seq START 1;

-- One row per ingest: what was read, from where, and what became of it.
CREATE TABLE IF NOT EXISTS ingest_batches (
    batch_id    BIGINT PRIMARY KEY,
    kind        VARCHAR NOT NULL,      -- workflows | runs | baselines | steps | maps
    origin      VARCHAR NOT NULL,      -- file name, `stdin`, or `http`
    format      VARCHAR NOT NULL,      -- csv | ndjson | json | xes | xes.gz | n8n | zapier | power-automate | uipath | make
    received_at TIMESTAMP NOT NULL,
    rows_read   BIGINT NOT NULL,
    accepted    BIGINT NOT NULL,
    stored      BIGINT NOT NULL,
    replaced    BIGINT NOT NULL,
    rejected    BIGINT NOT NULL
);

-- The catalogue and its assumptions ledger: every version of every workflow,
-- with the time it was recorded (recorded time). Re-ingesting a changed
-- workflow adds a version and never overwrites one; the current catalogue is
-- the latest version of each workflow (see the workflows_as_of macro below).
--
-- A version is every row of the workflow in one batch: one row per
-- `effective_from` (valid time). A row's terms — hourly_cost, currency,
-- the SLAs and baseline_minutes_per_item — apply to runs anchored from its
-- effective_from (NULL: from the beginning) until the next row's; the other
-- columns are the same on every row of a version (ingest checks it).
CREATE TABLE IF NOT EXISTS workflows (
    workflow_id               VARCHAR NOT NULL,
    name                      VARCHAR NOT NULL,
    owner                     VARCHAR NOT NULL,
    team                      VARCHAR,
    category                  VARCHAR NOT NULL,
    hourly_cost               DOUBLE,
    currency                  VARCHAR,
    sla_response_minutes      DOUBLE,
    sla_cycle_minutes         DOUBLE,
    automated_since           TIMESTAMP,
    baseline_minutes_per_item DOUBLE,
    batch_id                  BIGINT NOT NULL,
    recorded_at               TIMESTAMP NOT NULL,
    -- Last, so that a file written before them gains them by the ALTERs
    -- below in the same places.
    effective_from            TIMESTAMP,
    cost_per_run              DOUBLE,
    maintenance_hours_per_month DOUBLE,
    outcomes                  VARCHAR  -- declared outcome measures (src/outcomes.rs), canonical
);
ALTER TABLE workflows ADD COLUMN IF NOT EXISTS effective_from TIMESTAMP;
ALTER TABLE workflows ADD COLUMN IF NOT EXISTS cost_per_run DOUBLE;
ALTER TABLE workflows ADD COLUMN IF NOT EXISTS maintenance_hours_per_month DOUBLE;
ALTER TABLE workflows ADD COLUMN IF NOT EXISTS outcomes VARCHAR;

-- Every row of each workflow's version as it stood at `t` (NULL: now): the
-- latest version recorded at or before `t`, each row with `effective_to`,
-- the next row's effective_from (NULL: still in force).
CREATE OR REPLACE MACRO workflow_terms_as_of(t) AS TABLE
    SELECT * EXCLUDE (version_batch),
           lead(effective_from) OVER (PARTITION BY workflow_id ORDER BY effective_from NULLS FIRST)
               AS effective_to
    FROM (
        SELECT *,
               first_value(batch_id) OVER (PARTITION BY workflow_id
                                           ORDER BY recorded_at DESC, batch_id DESC) AS version_batch
        FROM workflows
        WHERE t IS NULL OR recorded_at <= t
    )
    WHERE batch_id = version_batch;

-- The catalogue as it stood at `t` (NULL: now): one row per workflow, its
-- latest version's last row (the terms in force now or, if dated in the
-- future, from then).
CREATE OR REPLACE MACRO workflows_as_of(t) AS TABLE
    SELECT * EXCLUDE (effective_to)
    FROM workflow_terms_as_of(t)
    WHERE effective_to IS NULL;

-- Whether a batch was known at `t` (NULL: now); reports as of a past moment
-- leave out what arrived later.
CREATE OR REPLACE MACRO known_at(batch, t) AS
    t IS NULL OR batch IN (SELECT batch_id FROM ingest_batches WHERE received_at <= t);

-- The terms of every workflow over time as of `t` (NULL: now), one row per
-- row of workflow_terms_as_of, with B, the baseline handle minutes per item:
-- the row's override, else the mean handle minutes of the time-study
-- observations known then (an exact sum, so parallel aggregation cannot move
-- the last digit). The one definition of B: metrics, compare and backlog use it.
CREATE OR REPLACE MACRO terms_as_of(t) AS TABLE
    SELECT w.workflow_id,
           w.effective_from,
           w.effective_to,
           coalesce(w.baseline_minutes_per_item, o.mean_handle) AS b,
           CASE WHEN w.baseline_minutes_per_item IS NOT NULL THEN 'override'
                WHEN o.n > 0 THEN 'study mean'
                ELSE 'none' END AS b_source,
           coalesce(o.n, 0) AS observations,
           w.hourly_cost,
           w.currency,
           w.sla_response_minutes,
           w.sla_cycle_minutes,
           w.automated_since,
           w.cost_per_run,
           w.maintenance_hours_per_month
    FROM workflow_terms_as_of(t) w
    LEFT JOIN (
        SELECT workflow_id,
               count(*) AS n,
               sum(handle_minutes::DECIMAL(38, 6))::DOUBLE / count(*) AS mean_handle
        FROM baseline_observations
        WHERE known_at(batch_id, t)
        GROUP BY workflow_id
    ) o ON o.workflow_id = w.workflow_id;

-- The terms of terms_as_of(t) of the workflows in `workflows` (a comma-
-- separated list, NULL: all), each in force over [term_from, term_to): the
-- bounds are never NULL, so that a run finds its terms by an equality and two
-- comparisons (a hash join). Used by the metric and reporting-money queries.
CREATE OR REPLACE MACRO bounded_terms(t, workflows) AS TABLE
    SELECT *,
           coalesce(effective_from, TIMESTAMP '0001-01-01') AS term_from,
           coalesce(effective_to, TIMESTAMP '9999-12-31') AS term_to
    FROM terms_as_of(t)
    WHERE workflows IS NULL OR list_contains(string_split(workflows, ','), workflow_id);

-- The consecutive periods [b0, b1), [b1, b2), … of `bounds`, comma-separated
-- ISO timestamps in increasing order.
CREATE OR REPLACE MACRO periods_of(bounds) AS TABLE
    SELECT period_start, period_end
    FROM (
        SELECT b::TIMESTAMP AS period_start,
               lead(b::TIMESTAMP) OVER (ORDER BY b::TIMESTAMP) AS period_end
        FROM unnest(string_split(bounds, ',')) AS bounds(b)
    )
    WHERE period_end IS NOT NULL;

-- The periods of `bounds` by the UTC days they touch, so that a run finds its
-- period by an equality on its anchor's day (a hash join) and the exact bounds
-- after it; a day holding a bound appears once for each period it touches.
CREATE OR REPLACE MACRO period_days_of(bounds) AS TABLE
    SELECT unnest(range(date_trunc('day', period_start), period_end, INTERVAL 1 DAY)) AS day,
           period_start,
           period_end
    FROM periods_of(bounds);

-- B of every workflow's current terms (workflows_as_of) as of `t`.
CREATE OR REPLACE MACRO baselines_as_of(t) AS TABLE
    SELECT workflow_id, b, b_source, observations
    FROM terms_as_of(t)
    WHERE effective_to IS NULL;

-- Whether a run version was the current one at `t` (NULL: now): its batch was
-- known then, and the batch that superseded it, if any, was not.
CREATE OR REPLACE MACRO current_at(batch, superseded, t) AS
    known_at(batch, t) AND (superseded IS NULL OR (t IS NOT NULL AND NOT known_at(superseded, t)));

-- One execution of an automation; (source, run_id) is the identity. Every
-- version is kept: a later batch that changes a run marks the stored version
-- superseded (by that batch) and adds its own, so a report as of an earlier
-- moment sees the version of the time. The current version of a run is the one
-- with superseded_batch NULL. No PRIMARY KEY: an index would slow bulk loads.
CREATE TABLE IF NOT EXISTS runs (
    source            VARCHAR NOT NULL,
    run_id            VARCHAR NOT NULL,
    workflow_id       VARCHAR NOT NULL,
    trigger_at        TIMESTAMP,
    started_at        TIMESTAMP NOT NULL,
    first_response_at TIMESTAMP,
    finished_at       TIMESTAMP,
    status            VARCHAR NOT NULL,
    error_kind        VARCHAR,
    human_minutes     DOUBLE,
    attributes        VARCHAR,         -- a JSON object as text
    batch_id          BIGINT NOT NULL,
    superseded_batch  BIGINT,          -- the batch that replaced this version
    version           VARCHAR          -- the automation's version that executed it
);
-- A file written before runs carried the automation's version gains the
-- column (last, as above), empty on its stored runs.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS version VARCHAR;

-- The facts of a run, the one text of each metric definition of DESIGN.md
-- for DuckDB (Spark's are in queries/*/*.spark.sql): every query that measures
-- runs reads them from here. Macros are replaced on every open, so a file
-- written by an earlier Yardstick is measured by this one's definitions.
--
-- The anchor: when the work was asked for (the trigger), else when the run
-- started. Periods, go-live and the lake's partitions are cut on it.
CREATE OR REPLACE MACRO anchor_of(trigger_at, started_at) AS
    coalesce(trigger_at, started_at);

-- Whether a run was done by hand entirely: a failed run without human_minutes.
CREATE OR REPLACE MACRO by_hand(status, human_minutes) AS
    status = 'failed' AND human_minutes IS NULL;

-- The human minutes a terminal run counts toward reclaimed hours, given the
-- workflow's B: its human_minutes; a run done by hand entirely counts B (so it
-- reclaims exactly 0); any other run without them took none.
CREATE OR REPLACE MACRO counted_human_minutes(status, human_minutes, b) AS
    CASE WHEN by_hand(status, human_minutes) THEN b
         ELSE coalesce(human_minutes, 0) END;

-- Whether the terms row [term_from, term_to) is the one in force at a run's
-- anchor: a run is valued (B, hourly cost, cost per run) by that row alone.
CREATE OR REPLACE MACRO in_force(anchor, term_from, term_to) AS
    anchor >= term_from AND anchor < term_to;

-- Whether a run ran under the automation: anchored at or after the go-live
-- (`automated_since`) of the terms in force; never for a workflow not automated.
CREATE OR REPLACE MACRO automated_at(anchor, automated_since) AS
    automated_since IS NOT NULL AND anchor >= automated_since;

-- Whether a run counts toward reclaimed hours: terminal, under the
-- automation, and not done by hand entirely (that run reclaims B − B = 0
-- exactly, so it is left out of both terms of the sum rather than added as B
-- and taken away, which summed as a decimal would round B to six places).
CREATE OR REPLACE MACRO reclaims(terminal, anchor, automated_since, status, human_minutes) AS
    terminal
    AND automated_at(anchor, automated_since)
    AND NOT by_hand(status, human_minutes);

-- A run's segment: the values of its attributes at `paths`, a JSON list of
-- JSON paths bound by the caller (src/segments.rs builds `$."key"` from
-- validated keys: never formatted into SQL), as the JSON text of a list,
-- a missing attribute a null in it (`["EU",null]`); NULL when `paths` is NULL
-- (not segmented). The path `version`, first in the list when there (the
-- caller puts it there), is the run's `version`.
CREATE OR REPLACE MACRO segment_of(attributes, version, paths) AS
    CASE WHEN paths IS NULL THEN NULL
         WHEN from_json(paths, '["VARCHAR"]')[1] = 'version'
         THEN to_json(list_concat([version],
                                  json_extract_string(coalesce(attributes, '{}'),
                                                      from_json(paths, '["VARCHAR"]')[2:])::VARCHAR[]))::VARCHAR
         ELSE to_json(json_extract_string(coalesce(attributes, '{}'),
                                          from_json(paths, '["VARCHAR"]')))::VARCHAR
    END;

-- Whether a run's attributes at `paths` (a JSON list of JSON paths, the
-- path `version` first when there, as in segment_of) equal `vals` (a JSON
-- list of strings), all of them; true when `paths` is NULL. A missing
-- attribute or version matches nothing.
CREATE OR REPLACE MACRO attributes_match(attributes, version, paths, vals) AS
    paths IS NULL
    OR CASE WHEN from_json(paths, '["VARCHAR"]')[1] = 'version'
            THEN coalesce(version = from_json(vals, '["VARCHAR"]')[1], false)
                 AND coalesce(json_extract_string(coalesce(attributes, '{}'),
                                                  from_json(paths, '["VARCHAR"]')[2:])::VARCHAR[]
                              = from_json(vals, '["VARCHAR"]')[2:], false)
            ELSE coalesce(json_extract_string(coalesce(attributes, '{}'),
                                              from_json(paths, '["VARCHAR"]'))
                          = from_json(vals, '["VARCHAR"]'), false)
       END;

-- The run versions current at `t` (NULL: now), each with its facts:
--   anchor        anchor_of(trigger_at, started_at)
--   terminal      succeeded, failed or escalated (cancelled and running are
--                 neither success nor failure, and are left out of rates)
--   cycle_us      anchor to finish, for succeeded and escalated runs only, in
--                 microseconds (exact sums); cycle_min the same in minutes
--   response_min  anchor to the first response, in minutes
CREATE OR REPLACE MACRO run_facts(t) AS TABLE
    SELECT r.*,
           anchor_of(r.trigger_at, r.started_at) AS anchor,
           r.status IN ('succeeded', 'failed', 'escalated') AS terminal,
           CASE WHEN r.status IN ('succeeded', 'escalated')
                THEN epoch_us(r.finished_at) - epoch_us(anchor_of(r.trigger_at, r.started_at))
           END AS cycle_us,
           CASE WHEN r.status IN ('succeeded', 'escalated')
                THEN (epoch_us(r.finished_at) - epoch_us(anchor_of(r.trigger_at, r.started_at)))
                     / 60000000.0::DOUBLE
           END AS cycle_min,
           (epoch_us(r.first_response_at) - epoch_us(anchor_of(r.trigger_at, r.started_at)))
               / 60000000.0::DOUBLE AS response_min
    FROM runs r
    WHERE current_at(r.batch_id, r.superseded_batch, t);

-- A timed instance of the work done by hand;
-- (study, workflow_id, observed_at, performer) is the identity.
CREATE TABLE IF NOT EXISTS baseline_observations (
    study            VARCHAR NOT NULL,
    workflow_id      VARCHAR NOT NULL,
    observed_at      TIMESTAMP NOT NULL,
    performer        VARCHAR,
    handle_minutes   DOUBLE NOT NULL,
    response_minutes DOUBLE,
    cycle_minutes    DOUBLE,
    had_error        BOOLEAN,
    note             VARCHAR,
    batch_id         BIGINT NOT NULL
);
-- The outcome values the observer recorded (a JSON object of texts, from a
-- study file's `outcome_<name>` columns: {"csat": "4"}), the manual
-- process's quality baseline; last, so a file written before gains it here.
ALTER TABLE baseline_observations ADD COLUMN IF NOT EXISTS outcomes VARCHAR;

-- Whether this database keeps the refused rows: the file does; a lake
-- snapshot does not (queries/lake/views.sql says false), so its provenance
-- leaves their count empty rather than 0.
CREATE OR REPLACE MACRO rejects_kept() AS true;

-- Refused rows, one row per problem, with the row's text as it was sent.
CREATE TABLE IF NOT EXISTS rejects (
    batch_id BIGINT NOT NULL,
    kind     VARCHAR NOT NULL,
    line     BIGINT NOT NULL,          -- 1-based; in CSV the header is line 1
    key      VARCHAR,                  -- run_id or workflow_id, when readable
    field    VARCHAR,
    reason   VARCHAR NOT NULL,
    raw      VARCHAR NOT NULL
);

-- The answers to ingest requests that carried an Idempotency-Key: a retried
-- request with the same key and body gets the same answer, and nothing is
-- ingested twice.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    idem_key    VARCHAR   NOT NULL,
    route       VARCHAR   NOT NULL,
    body_sha256 VARCHAR   NOT NULL,
    status      INTEGER   NOT NULL,
    response    VARCHAR   NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
-- A keyed post looks its key up twice (find.sql, count.sql); without an index
-- that is a scan of every answer ever kept, so a post's cost grew with the
-- table. Not unique: the first answer wins in code, under the writer's lock.
CREATE INDEX IF NOT EXISTS idempotency_keys_by_key ON idempotency_keys (idem_key);

-- API tokens: only a SHA-256 of each token's secret is kept; the token is
-- shown once, when it is created. Revoked tokens stay for the record.
CREATE TABLE IF NOT EXISTS api_tokens (
    token_id    VARCHAR   NOT NULL,   -- the public part of the token
    name        VARCHAR   NOT NULL,
    role        VARCHAR   NOT NULL,   -- viewer | ingester | admin
    secret_sha256 VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);

-- Published reports: a report set frozen under a name with the SHA-256 of its
-- body (`yardstick publish`). A row is written once and never changed; the
-- body is the JSON text exactly as hashed, so a reader can check it.
-- Regressions delivered to the alert webhook (`serve --alert-webhook`): each
-- (workflow, metric, week) is posted once, whatever restarts come between.
CREATE TABLE IF NOT EXISTS alerts_sent (
    workflow_id VARCHAR   NOT NULL,
    metric      VARCHAR   NOT NULL,
    week_start  TIMESTAMP NOT NULL,
    sent_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (workflow_id, metric, week_start)
);

CREATE TABLE IF NOT EXISTS published_reports (
    name           VARCHAR   PRIMARY KEY,
    published_at   TIMESTAMP NOT NULL,
    as_of          TIMESTAMP NOT NULL,  -- when the newest batch it read was received
    period_from    TIMESTAMP NOT NULL,
    period_to      TIMESTAMP NOT NULL,
    currency       VARCHAR,             -- the reporting currency, if one was asked for
    method_version INTEGER   NOT NULL,
    sha256         VARCHAR   NOT NULL,
    body           VARCHAR   NOT NULL
);

-- The steps of runs: timed work between a start and its completion (from an
-- event log's start/complete pairs). Only the current steps of a run are kept:
-- a batch that carries steps replaces every step of the runs it holds.
CREATE TABLE IF NOT EXISTS run_steps (
    source       VARCHAR   NOT NULL,
    run_id       VARCHAR   NOT NULL,
    seq          BIGINT    NOT NULL,   -- order within the run, by start time, from 1
    step         VARCHAR   NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP NOT NULL,
    actor        VARCHAR,              -- system | human
    resource     VARCHAR,              -- who, as the source names it
    batch_id     BIGINT    NOT NULL
);

-- The platform workflow map and its ledger: which catalogued workflow the runs
-- of each automation platform's workflow feed. Like the catalogue, a changed
-- line adds a version and never overwrites one; the map in force is the latest
-- version of each (platform, platform_workflow).
CREATE TABLE IF NOT EXISTS platform_map (
    platform          VARCHAR   NOT NULL,  -- n8n | zapier | power-automate | uipath | make
    platform_workflow VARCHAR   NOT NULL,  -- the platform's id of the workflow, as its runs carry it
    workflow_id       VARCHAR   NOT NULL,
    batch_id          BIGINT    NOT NULL,
    recorded_at       TIMESTAMP NOT NULL
);

CREATE OR REPLACE VIEW platform_map_current AS
    SELECT * EXCLUDE (version_rank)
    FROM (
        SELECT *, row_number() OVER (PARTITION BY platform, platform_workflow
                                     ORDER BY recorded_at DESC, batch_id DESC) AS version_rank
        FROM platform_map
    )
    WHERE version_rank = 1;

-- Where each pull from a platform's API stopped (`yardstick pull`): per
-- source (the platform, its address and what was asked of it), the newest run
-- seen and the runs still open then, as JSON. Written after the batch of the
-- pull has committed, so a pull that failed half-way is fetched again.
CREATE TABLE IF NOT EXISTS pull_state (
    source    VARCHAR PRIMARY KEY,
    platform  VARCHAR NOT NULL,
    state     VARCHAR NOT NULL,
    batch_id  BIGINT,              -- the batch of the last pull (none when it fetched nothing)
    pulled_at TIMESTAMP NOT NULL
);

-- Staging tables: a batch is appended here in bulk with DuckDB's Appender,
-- merged into the tables above and cleared, all inside the batch's
-- transaction, so they are empty whenever no batch is being written.
-- (They were TEMP tables once; DuckDB lost appended rows of a batch of a row
-- group or more in a TEMP table of a reopened file, so they are ordinary now.)
-- Exchange rates into reporting currencies: from `date` on, one unit of
-- `currency` is `rate` units of `to`, until a later date of the same pair. A
-- later batch with the same (date, currency, to) replaces the rate.
CREATE TABLE IF NOT EXISTS fx_rates (
    date      DATE    NOT NULL,
    currency  VARCHAR NOT NULL,
    "to"      VARCHAR NOT NULL,
    rate      DOUBLE  NOT NULL,
    batch_id  BIGINT  NOT NULL
);

CREATE TABLE IF NOT EXISTS stage_workflows AS SELECT * EXCLUDE (batch_id, recorded_at) FROM workflows LIMIT 0;
CREATE TABLE IF NOT EXISTS stage_fx AS SELECT * EXCLUDE (batch_id) FROM fx_rates LIMIT 0;
ALTER TABLE stage_workflows ADD COLUMN IF NOT EXISTS effective_from TIMESTAMP;
ALTER TABLE stage_workflows ADD COLUMN IF NOT EXISTS cost_per_run DOUBLE;
ALTER TABLE stage_workflows ADD COLUMN IF NOT EXISTS maintenance_hours_per_month DOUBLE;
ALTER TABLE stage_workflows ADD COLUMN IF NOT EXISTS outcomes VARCHAR;
CREATE TABLE IF NOT EXISTS stage_baselines AS SELECT * EXCLUDE (batch_id) FROM baseline_observations LIMIT 0;
ALTER TABLE stage_baselines ADD COLUMN IF NOT EXISTS outcomes VARCHAR;
CREATE TABLE IF NOT EXISTS stage_steps AS SELECT * EXCLUDE (batch_id) FROM run_steps LIMIT 0;
CREATE TABLE IF NOT EXISTS stage_platform_map AS SELECT * EXCLUDE (batch_id, recorded_at) FROM platform_map LIMIT 0;

-- The staged map lines that are new or point elsewhere than the map in force
-- (`existed`: it changes a known line).
CREATE OR REPLACE VIEW stage_platform_map_changes AS
SELECT s.*, c.platform IS NOT NULL AS existed
FROM stage_platform_map s
LEFT JOIN platform_map_current c
       ON c.platform = s.platform AND c.platform_workflow = s.platform_workflow
WHERE c.platform IS NULL OR c.workflow_id <> s.workflow_id;

-- The staged catalogue rows of every workflow whose rows differ from its
-- current version in any column (a row added, removed or changed): a file
-- gives each workflow it names whole, so each such workflow gets a new
-- version of all its staged rows; an identical re-ingest records nothing
-- (`existed`: it changes a known workflow). EXCEPT compares NULLs as equal.
CREATE OR REPLACE VIEW stage_workflow_changes AS
WITH current_rows AS (
    SELECT * EXCLUDE (batch_id, recorded_at, effective_to)
    FROM workflow_terms_as_of(NULL)
    WHERE workflow_id IN (SELECT workflow_id FROM stage_workflows)
),
changed AS (
    SELECT workflow_id FROM (SELECT * FROM stage_workflows EXCEPT SELECT * FROM current_rows)
    UNION
    SELECT workflow_id FROM (SELECT * FROM current_rows EXCEPT SELECT * FROM stage_workflows)
)
SELECT s.*, s.workflow_id IN (SELECT workflow_id FROM current_rows) AS existed
FROM stage_workflows s
WHERE s.workflow_id IN (SELECT workflow_id FROM changed);

-- Runs are not staged: a run batch appends straight to `runs` under its batch
-- id and resolves duplicates, unchanged rows and versions in place before it
-- commits (queries/runs/batch_*.sql). Files from before that kept a staging
-- table for runs; it goes.
DROP VIEW IF EXISTS stage_run_changes;
DROP TABLE IF EXISTS stage_runs;
