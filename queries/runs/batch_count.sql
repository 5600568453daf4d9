-- The rows batch $1 appended to `runs`, and how many distinct run identities
-- they hold. The first is checked against what was appended, so a batch that
-- lost rows on the way in is never committed; the difference is the number of
-- rows that a later row of the same input replaces.
SELECT count(*), count(DISTINCT (source, run_id))
FROM runs
WHERE batch_id = $1;
