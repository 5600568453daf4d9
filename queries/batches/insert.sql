-- Records one ingest batch. $1 kind, $2 origin, $3 format, $4 received_at,
-- $5 rows_read, $6 accepted, $7 stored, $8 replaced, $9 rejected.
INSERT INTO ingest_batches
VALUES (nextval('batch_id_seq'), $1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING batch_id;
