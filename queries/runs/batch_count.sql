-- The rows batch $1 appended to `runs`, and how many distinct hashes of their
-- identities (source, run_id) they hold. The first is checked against what was
-- appended, so a batch that lost rows on the way in is never committed. Equal
-- identities hash equal, so when every row has its own hash the input has no
-- duplicates; otherwise batch_distinct.sql counts the identities exactly.
-- (Counting hashes is about twice as fast as counting the pairs.)
SELECT count(*), count(DISTINCT hash(source, run_id))
FROM runs
WHERE batch_id = $1;
