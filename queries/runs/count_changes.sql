-- How many staged runs are new or changed, i.e. how many versions the batch records.
SELECT count(*) FROM stage_run_changes;
