-- Every current run's identity, `source` and `run_id` joined by the unit
-- separator (U+001F), which neither may contain in practice.
SELECT source || chr(31) || run_id FROM runs WHERE superseded_batch IS NULL;
