//! The bulk path for runs: runs travel to DuckDB as Arrow record batches
//! (built off the writer's thread), are appended to `stage_runs` inside the
//! batch's transaction, and are merged once at the end — duplicates within the
//! input removed (the later row wins), unchanged runs left alone, changed runs
//! versioned.
//!
//! A [`RunBatch`] keeps its transaction open while chunks arrive, so an input
//! of any size is stored whole or not at all, with memory bounded by the chunk
//! size rather than the input size.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, MutexGuard};

use chrono::NaiveDateTime;
use duckdb::arrow::array::{ArrayRef, Float64Array, StringArray, TimestampMicrosecondArray};
use duckdb::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::{params, Connection};

use super::{
    Result, StoreError, Written, BATCH_INSERT, RUNS_COUNT_CHANGES, RUNS_INSERT_STAGED,
    RUNS_SUPERSEDE_STAGED, STAGE_CLEAR,
};
use crate::model::{Kind, Reject, Run};

const STAGE_RUNS_COUNT: &str = include_str!("../../queries/runs/stage_count.sql");
const STAGE_RUNS_DUPLICATES: &str = include_str!("../../queries/runs/stage_duplicates.sql");
const STAGE_RUNS_DEDUPE: &str = include_str!("../../queries/runs/stage_dedupe.sql");

/// Runs converted to the store's bulk format: one Arrow record batch whose
/// columns are `stage_runs`' columns. Building one does no I/O, so an
/// ingest builds them on its reading thread.
pub struct RunChunk {
    batch: RecordBatch,
}

impl RunChunk {
    pub fn new(runs: &[Run]) -> Result<RunChunk> {
        fn ts(v: impl Iterator<Item = Option<NaiveDateTime>>) -> ArrayRef {
            Arc::new(TimestampMicrosecondArray::from_iter(
                v.map(|t| t.map(|t| t.and_utc().timestamp_micros())),
            ))
        }
        fn text<'a>(v: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
            Arc::new(StringArray::from_iter(v))
        }
        let columns: Vec<ArrayRef> = vec![
            text(runs.iter().map(|r| Some(r.source.as_str()))),
            text(runs.iter().map(|r| Some(r.run_id.as_str()))),
            text(runs.iter().map(|r| Some(r.workflow_id.as_str()))),
            ts(runs.iter().map(|r| r.trigger_at)),
            ts(runs.iter().map(|r| Some(r.started_at))),
            ts(runs.iter().map(|r| r.first_response_at)),
            ts(runs.iter().map(|r| r.finished_at)),
            text(runs.iter().map(|r| Some(r.status.as_str()))),
            text(runs.iter().map(|r| r.error_kind.as_deref())),
            Arc::new(Float64Array::from_iter(
                runs.iter().map(|r| r.human_minutes),
            )),
            text(runs.iter().map(|r| r.attributes.as_deref())),
        ];
        let batch = RecordBatch::try_new(stage_runs_schema(), columns)
            .map_err(|e| StoreError::Shape(format!("run chunk: {e}")))?;
        Ok(RunChunk { batch })
    }

    pub fn len(&self) -> usize {
        self.batch.num_rows()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn stage_runs_schema() -> Arc<Schema> {
    let ts = || DataType::Timestamp(TimeUnit::Microsecond, None);
    Arc::new(Schema::new(vec![
        Field::new("source", DataType::Utf8, false),
        Field::new("run_id", DataType::Utf8, false),
        Field::new("workflow_id", DataType::Utf8, false),
        Field::new("trigger_at", ts(), true),
        Field::new("started_at", ts(), false),
        Field::new("first_response_at", ts(), true),
        Field::new("finished_at", ts(), true),
        Field::new("status", DataType::Utf8, false),
        Field::new("error_kind", DataType::Utf8, true),
        Field::new("human_minutes", DataType::Float64, true),
        Field::new("attributes", DataType::Utf8, true),
    ]))
}

/// Appends runs to `stage_runs`.
pub(super) fn stage_runs(conn: &Connection, chunk: RunChunk) -> Result<()> {
    let mut app = conn.appender("stage_runs")?;
    app.append_record_batch(chunk.batch)?;
    app.flush()?;
    Ok(())
}

/// What merging the staged runs did.
pub(super) struct Merged {
    pub stored: u64,
    pub replaced: u64,
    /// Staged rows dropped because a later row of the input had the same identity.
    pub duplicates: u64,
}

/// Merges `stage_runs` into `runs` under `batch_id`. The caller has checked
/// that every appended row is in staging.
pub(super) fn merge_staged_runs(conn: &Connection, batch_id: i64) -> Result<Merged> {
    let duplicates: i64 = conn.query_row(STAGE_RUNS_DUPLICATES, [], |r| r.get(0))?;
    if duplicates > 0 {
        let removed = conn.execute(STAGE_RUNS_DEDUPE, [])? as i64;
        if removed != duplicates {
            return Err(StoreError::Shape(format!(
                "{duplicates} duplicate staged runs, but {removed} were removed"
            )));
        }
    }
    let expected: i64 = conn.query_row(RUNS_COUNT_CHANGES, [], |r| r.get(0))?;
    let replaced = conn.execute(RUNS_SUPERSEDE_STAGED, params![batch_id])? as u64;
    let stored = conn.execute(RUNS_INSERT_STAGED, params![batch_id])? as u64;
    // Never commit a batch that lost rows on the way (see queries/schema.sql on staging).
    if stored != expected as u64 {
        return Err(StoreError::Incomplete {
            expected: expected as u64,
            stored,
        });
    }
    Ok(Merged {
        stored,
        replaced,
        duplicates: duplicates as u64,
    })
}

/// Appends reject problems of `batch_id` to `rejects`.
pub(super) fn append_rejects(
    conn: &Connection,
    batch_id: i64,
    kind: Kind,
    rejects: &[Reject],
) -> Result<()> {
    let mut app = conn.appender("rejects")?;
    for r in rejects {
        for p in &r.problems {
            app.append_row(params![
                batch_id,
                kind.as_str(),
                r.line as i64,
                r.key,
                p.field,
                p.reason,
                r.raw
            ])?;
        }
    }
    app.flush()?;
    Ok(())
}

/// The description of a streamed run batch, recorded in `ingest_batches`.
#[derive(Debug, Clone, Copy)]
pub struct RunBatchMeta<'a> {
    pub origin: &'a str,
    pub format: &'a str,
    pub received_at: NaiveDateTime,
}

/// What a streamed run batch did when it committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunsWritten {
    pub written: Written,
    /// Accepted rows dropped because a later row of the input had the same identity.
    pub duplicates: u64,
}

/// A run batch being written. Its transaction is open from
/// [`Store::begin_runs`](super::Store::begin_runs) until [`RunBatch::commit`];
/// dropping it before then rolls everything back. It holds the writer, so
/// other writes wait; reads do not.
pub struct RunBatch<'s> {
    pub(super) conn: MutexGuard<'s, Connection>,
    pub(super) generation: &'s AtomicU64,
    pub(super) batch_id: i64,
    pub(super) appended: u64,
    pub(super) rejected_rows: u64,
    pub(super) open: bool,
}

impl RunBatch<'_> {
    pub(super) fn begin<'s>(
        conn: MutexGuard<'s, Connection>,
        generation: &'s AtomicU64,
        meta: &RunBatchMeta<'_>,
    ) -> Result<RunBatch<'s>> {
        conn.execute_batch("BEGIN TRANSACTION")?;
        let mut batch = RunBatch {
            conn,
            generation,
            batch_id: 0,
            appended: 0,
            rejected_rows: 0,
            open: true,
        };
        batch.batch_id = batch.conn.query_row(
            BATCH_INSERT,
            params![
                Kind::Runs.as_str(),
                meta.origin,
                meta.format,
                meta.received_at,
                0i64,
                0i64,
                0i64,
                0i64,
                0i64
            ],
            |r| r.get(0),
        )?;
        batch.conn.execute_batch(STAGE_CLEAR)?;
        Ok(batch)
    }

    pub fn batch_id(&self) -> i64 {
        self.batch_id
    }

    /// Stages a chunk of accepted runs.
    pub fn append(&mut self, chunk: RunChunk) -> Result<()> {
        let n = chunk.len() as u64;
        stage_runs(&self.conn, chunk)?;
        self.appended += n;
        Ok(())
    }

    /// Keeps rejected rows with their reasons.
    pub fn reject(&mut self, rejects: &[Reject]) -> Result<()> {
        append_rejects(&self.conn, self.batch_id, Kind::Runs, rejects)?;
        self.rejected_rows += rejects.len() as u64;
        Ok(())
    }

    /// Merges the staged runs, records the batch's counts and commits.
    pub fn commit(mut self, rows_read: u64, accepted: u64) -> Result<RunsWritten> {
        // Every appended row must be in staging before anything is merged.
        let staged: i64 = self.conn.query_row(STAGE_RUNS_COUNT, [], |r| r.get(0))?;
        if staged as u64 != self.appended {
            return Err(StoreError::Incomplete {
                expected: self.appended,
                stored: staged as u64,
            });
        }
        let merged = merge_staged_runs(&self.conn, self.batch_id)?;
        self.conn.execute(
            super::BATCH_FINISH,
            params![
                rows_read as i64,
                accepted as i64,
                merged.stored as i64,
                merged.replaced as i64,
                self.rejected_rows as i64,
                self.batch_id
            ],
        )?;
        self.conn.execute_batch(STAGE_CLEAR)?;
        self.conn.execute_batch("COMMIT")?;
        self.open = false;
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(RunsWritten {
            written: Written {
                batch_id: self.batch_id,
                stored: merged.stored,
                replaced: merged.replaced,
                unchanged: self.appended - merged.duplicates - merged.stored,
            },
            duplicates: merged.duplicates,
        })
    }
}

impl Drop for RunBatch<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing of an unfinished batch may remain; if the rollback itself
            // fails the connection is unusable and DuckDB discards the
            // transaction when it closes.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}
