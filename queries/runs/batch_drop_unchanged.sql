-- Removes the rows of batch $1 that are identical to their run's current
-- version: re-sending a run changes nothing. The number removed is the
-- batch's `unchanged` count. Run after batch_dedupe.sql and before
-- batch_supersede.sql, while the earlier versions are still current. Every
-- stored version of the batch's runs is in a batch numbered $2 or later (0
-- when nothing is known), so the row groups of older batches are skipped.
DELETE FROM runs
WHERE batch_id = $1
  AND rowid IN (
        SELECT n.rowid
        FROM runs n
        JOIN runs c ON c.source = n.source AND c.run_id = n.run_id
        WHERE n.batch_id = $1
          AND c.batch_id <> $1
          AND c.batch_id >= $2
          AND c.superseded_batch IS NULL
          AND n.workflow_id IS NOT DISTINCT FROM c.workflow_id
          AND n.trigger_at IS NOT DISTINCT FROM c.trigger_at
          AND n.started_at IS NOT DISTINCT FROM c.started_at
          AND n.first_response_at IS NOT DISTINCT FROM c.first_response_at
          AND n.finished_at IS NOT DISTINCT FROM c.finished_at
          AND n.status IS NOT DISTINCT FROM c.status
          AND n.error_kind IS NOT DISTINCT FROM c.error_kind
          AND n.human_minutes IS NOT DISTINCT FROM c.human_minutes
          AND n.attributes IS NOT DISTINCT FROM c.attributes
          AND n.version IS NOT DISTINCT FROM c.version
  );
