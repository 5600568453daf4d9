-- The runs of the workflows in $1 (comma-separated ids) anchored before $2
-- (exclusive), with their facts (schema.sql's run_facts). One
-- query serves many workflows (a query per workflow spent most of a 1,000-
-- workflow comparison planning and scanning): `wf` is the workflow's position
-- in $1 (from 0), found by a hash join with the list, and the caller files
-- each row under it. No ORDER BY: the caller puts each workflow's runs in
-- the canonical order of model::RunSample, which depends on their values
-- only, so a seeded bootstrap draws the same resamples from either engine
-- (sorting 10M runs by workflow and run id was most of a comparison's time).
-- $3 is the as-of moment (NULL: now): runs of later batches are left out.
-- $4, when not NULL, leaves out runs anchored before it (regression checks
-- read nine weeks, not the year).
-- $5 the segment (a JSON list of attribute paths and `version`, schema.sql's
-- segment_of) or NULL; $6, $7 the filter's paths and values
-- (attributes_match) or NULL.
WITH chosen AS (
    SELECT unnest(ids) AS workflow_id,
           unnest(range(len(ids)))::INTEGER AS wf
    FROM (SELECT string_split($1::VARCHAR, ',') AS ids)
)
SELECT c.wf,
       epoch_us(r.anchor) AS anchor_us,
       r.status,
       r.cycle_min,
       r.response_min,
       r.human_minutes,
       segment_of(r.attributes, r.version, $5::VARCHAR) AS segment
FROM run_facts($3::TIMESTAMP) r
JOIN chosen c ON c.workflow_id = r.workflow_id
WHERE r.anchor < $2::TIMESTAMP
  AND ($4::TIMESTAMP IS NULL OR r.anchor >= $4::TIMESTAMP)
  AND attributes_match(r.attributes, r.version, $6::VARCHAR, $7::VARCHAR);
