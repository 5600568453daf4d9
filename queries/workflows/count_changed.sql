-- Counts the workflows already recorded that the staged catalogue changes:
-- each gets a new version (the batch's `replaced` count). Nothing is deleted.
SELECT count(DISTINCT workflow_id) FROM stage_workflow_changes WHERE existed;
