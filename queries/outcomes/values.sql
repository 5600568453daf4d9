-- The outcome values of runs, for `report outcomes` and the comparisons
-- (src/outcomes.rs): for pair k (from 0) of $1, a JSON list of
-- [workflow_id, name] pairs, the current runs (as of $4) of the workflow
-- anchored in [$2, $3) ($2 NULL: from the first run) whose attributes carry
-- the outcome, with its text: the attribute `outcome_<name>`, else
-- `<name>`. One outcome name at a time: the pairs of name $8 only, its two
-- JSON paths bound as $9 (['$."outcome_csat"', '$."csat"']; a name is
-- checked, a-z, 0-9 and _, never written into SQL). A bound path is a
-- constant to DuckDB's JSON reader: a path made per row here cost 2.4 s
-- over 10M runs, the bound one 0.6 s. $5: the segment keys' paths
-- (segment_of) or NULL; $6, $7 the filter's paths and values
-- (attributes_match) or NULL. Then, `study` true, the values the time
-- studies of the workflow recorded (baseline_observations.outcomes, known
-- at $4), whatever the period and segment: the manual process's quality
-- baseline is whole, as its times are in a comparison.
WITH wanted AS (
    SELECT pair[1] AS workflow_id,
           pair[2] AS name,
           (k - 1)::INTEGER AS k
    FROM (
        SELECT unnest(p) AS pair, generate_subscripts(p, 1) AS k
        FROM (SELECT from_json($1::VARCHAR, '[["VARCHAR"]]') AS p)
    )
),
valued AS (
    SELECT w.k,
           epoch_us(r.anchor) AS anchor_us,
           json_extract_string(r.attributes, $9::VARCHAR[]) AS vals,
           segment_of(r.attributes, r.version, $5::VARCHAR) AS segment
    FROM run_facts($4::TIMESTAMP) r
    JOIN (SELECT * FROM wanted WHERE name = $8::VARCHAR) w ON w.workflow_id = r.workflow_id
    WHERE ($2::TIMESTAMP IS NULL OR r.anchor >= $2::TIMESTAMP)
      AND r.anchor < $3::TIMESTAMP
      AND r.attributes IS NOT NULL
      AND attributes_match(r.attributes, r.version, $6::VARCHAR, $7::VARCHAR)
),
studied AS (
    SELECT w.k,
           epoch_us(b.observed_at) AS anchor_us,
           json_extract_string(b.outcomes, ($9::VARCHAR[])[2]) AS value
    FROM baseline_observations b
    JOIN (SELECT * FROM wanted WHERE name = $8::VARCHAR) w ON w.workflow_id = b.workflow_id
    WHERE b.outcomes IS NOT NULL
      AND known_at(b.batch_id, $4::TIMESTAMP)
)
SELECT k, anchor_us, coalesce(vals[1], vals[2]) AS value, segment, false AS study
FROM valued
WHERE coalesce(vals[1], vals[2]) IS NOT NULL
UNION ALL
SELECT k, anchor_us, value, NULL::VARCHAR AS segment, true AS study
FROM studied
WHERE value IS NOT NULL
