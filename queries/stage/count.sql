-- Rows now in each staging table: checked against what was appended, so a
-- batch that lost rows on the way in is never committed.
SELECT (SELECT count(*) FROM stage_workflows),
       (SELECT count(*) FROM stage_baselines),
       (SELECT count(*) FROM stage_steps),
       (SELECT count(*) FROM stage_platform_map),
       (SELECT count(*) FROM stage_fx);
