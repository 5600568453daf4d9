-- Counts the staged catalogue rows that change a workflow already recorded:
-- each becomes a new version (the batch's `replaced` count). Nothing is deleted.
SELECT count(*) FROM stage_workflow_changes WHERE existed;
