-- The identities of the versions batch $1 superseded (after its merge).
SELECT source, run_id FROM runs WHERE superseded_batch = $1;
