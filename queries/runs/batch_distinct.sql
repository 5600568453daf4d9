-- How many distinct run identities (source, run_id) the rows of batch $1 hold;
-- the rows beyond that are replaced by a later row of the same input.
SELECT count(*)
FROM (SELECT DISTINCT source, run_id FROM runs WHERE batch_id = $1);
