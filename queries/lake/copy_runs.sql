-- The runs of the store, every version, into the lake (see src/lake.rs):
-- partitioned by the anchor's month (yyyymm), sorted by workflow within a
-- month so that row-group statistics skip other workflows. COPY takes no
-- parameters: __TARGET__ is the snapshot's runs directory, written in by
-- store::lake as a quoted literal with its quotes doubled.
COPY (
    SELECT *,
           CAST(strftime(anchor_of(trigger_at, started_at), '%Y%m') AS INTEGER) AS anchor_month
    FROM runs
    ORDER BY workflow_id, anchor_of(trigger_at, started_at), source, run_id, batch_id
) TO '__TARGET__' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (anchor_month), ROW_GROUP_SIZE 122880);
