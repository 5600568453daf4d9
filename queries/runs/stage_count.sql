-- Rows now in stage_runs: checked against what was appended, so a batch that
-- lost rows on the way in is never committed.
SELECT count(*) FROM stage_runs;
