-- Empties the staging tables; run before and after each batch's merge.
DELETE FROM stage_workflows;
DELETE FROM stage_baselines;
DELETE FROM stage_steps;
DELETE FROM stage_platform_map;
DELETE FROM stage_fx;
