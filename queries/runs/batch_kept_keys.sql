-- The identities of the versions batch $1 stored (after its merge).
SELECT source, run_id FROM runs WHERE batch_id = $1;
