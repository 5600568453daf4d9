-- Counts the staged map lines that change a line already in force: each
-- becomes a new version (the batch's `replaced` count). Nothing is deleted.
SELECT count(*) FROM stage_platform_map_changes WHERE existed;
