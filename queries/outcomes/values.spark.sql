-- The Spark SQL variant of values.sql, unsegmented (Spark does not segment
-- yet): for pair k (from 0) of :pairs, a JSON list of [workflow_id, name]
-- pairs, the current runs (as of :as_of, '' for now; engine/as_of.spark.sql
-- comes first) of the workflow anchored in [:from, :to) (:from '' from the
-- first run) whose attributes carry the outcome, with its text: the
-- attribute `outcome_<name>` (:outcome_path), else `<name>` (:name_path).
-- One outcome name at a time, :name; a name is checked (a-z, 0-9 and _),
-- so its paths are plain `$.name`. Then, `study` true, the values the time
-- studies of the workflow recorded (baseline_observations.outcomes under
-- `<name>`, known at :as_of), whatever the period. Spark's get_json_object
-- gives a string's text unquoted and a number's as written, as DuckDB's
-- json_extract_string does.
WITH wanted AS (
    SELECT CAST(k AS INT) AS k, pair[0] AS workflow_id, pair[1] AS name
    FROM (SELECT posexplode(from_json(:pairs, 'array<array<string>>')) AS (k, pair))
),
valued AS (
    SELECT w.k,
           unix_micros(CAST(r.anchor AS TIMESTAMP)) AS anchor_us,
           coalesce(get_json_object(r.attributes, :outcome_path),
                    get_json_object(r.attributes, :name_path)) AS value
    FROM runs_as_of r
    JOIN (SELECT * FROM wanted WHERE name = :name) w ON w.workflow_id = r.workflow_id
    WHERE (:from = '' OR r.anchor >= CAST(nullif(:from, '') AS TIMESTAMP_NTZ))
      AND r.anchor < CAST(:to AS TIMESTAMP_NTZ)
      AND r.attributes IS NOT NULL
),
studied AS (
    SELECT w.k,
           unix_micros(CAST(b.observed_at AS TIMESTAMP)) AS anchor_us,
           get_json_object(b.outcomes, :name_path) AS value
    FROM baseline_observations b
    JOIN (SELECT * FROM wanted WHERE name = :name) w ON w.workflow_id = b.workflow_id
    WHERE b.outcomes IS NOT NULL
      AND (:as_of = '' OR b.batch_id IN (SELECT batch_id FROM known))
)
SELECT k, anchor_us, value, false AS study
FROM valued
WHERE value IS NOT NULL
UNION ALL
SELECT k, anchor_us, value, true AS study
FROM studied
WHERE value IS NOT NULL
