-- Staged rows that a later row of the same input replaces: rows beyond the
-- first of each (source, run_id).
SELECT count(*) - count(DISTINCT (source, run_id)) FROM stage_runs;
