-- The earliest and latest anchor of the current runs.
SELECT min(anchor), max(anchor)
FROM run_facts(NULL);
