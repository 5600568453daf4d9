//! The bulk path for runs: runs travel to DuckDB as Arrow record batches
//! (built off the writer's thread) and are appended straight to `runs` under
//! the batch's id, inside the batch's transaction. Before it commits, the batch
//! is resolved in place: duplicates within the input removed (the later row
//! wins), rows identical to their run's current version removed, and the
//! versions it changes marked superseded. Each run is written once; other
//! connections see none of it until the commit.
//!
//! A [`RunBatch`] keeps its transaction open while chunks arrive, so an input
//! of any size is stored whole or not at all, with memory bounded by the chunk
//! size rather than the input size.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, MutexGuard};

use chrono::NaiveDateTime;
use duckdb::arrow::array::{
    ArrayRef, Float64Array, Int64Array, StringArray, TimestampMicrosecondArray,
};
use duckdb::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::{params, Connection};

use super::{Result, StoreError, Written, BATCH_INSERT};
use crate::model::{Kind, Reject, Run};

const RUNS_BATCH_COUNT: &str = include_str!("../../queries/runs/batch_count.sql");
const RUNS_BATCH_DISTINCT: &str = include_str!("../../queries/runs/batch_distinct.sql");
const RUNS_BATCH_DEDUPE: &str = include_str!("../../queries/runs/batch_dedupe.sql");
const RUNS_BATCH_DROP_UNCHANGED: &str = include_str!("../../queries/runs/batch_drop_unchanged.sql");
const RUNS_BATCH_SUPERSEDE: &str = include_str!("../../queries/runs/batch_supersede.sql");
const RUNS_BATCH_STORED: &str = include_str!("../../queries/runs/batch_stored.sql");

/// Runs converted to the store's bulk format: one Arrow record batch whose
/// columns are `runs`' columns up to `attributes` (the batch ids are added
/// when it is appended). Building one does no I/O, so an
/// ingest builds them on its reading thread.
pub struct RunChunk {
    batch: RecordBatch,
}

impl RunChunk {
    pub fn new(runs: &[Run]) -> Result<RunChunk> {
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
        let batch = RecordBatch::try_new(run_fields_schema(), columns)
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

/// An Arrow column of UTC timestamps, in microseconds as DuckDB's TIMESTAMP.
pub(super) fn ts(v: impl Iterator<Item = Option<NaiveDateTime>>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from_iter(
        v.map(|t| t.map(|t| t.and_utc().timestamp_micros())),
    ))
}

/// An Arrow column of text.
pub(super) fn text<'a>(v: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(v))
}

fn run_fields(with_batch: bool) -> Vec<Field> {
    let ts = || DataType::Timestamp(TimeUnit::Microsecond, None);
    let mut fields = vec![
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
    ];
    if with_batch {
        fields.push(Field::new("batch_id", DataType::Int64, false));
        fields.push(Field::new("superseded_batch", DataType::Int64, true));
    }
    fields
}

fn run_fields_schema() -> Arc<Schema> {
    Arc::new(Schema::new(run_fields(false)))
}

/// Appends runs to `runs` as versions of batch `batch_id`, not yet resolved
/// (see [`merge_batch_runs`]).
pub(super) fn append_runs(conn: &Connection, batch_id: i64, chunk: RunChunk) -> Result<()> {
    let n = chunk.len();
    let mut columns = chunk.batch.columns().to_vec();
    columns.push(Arc::new(Int64Array::from(vec![batch_id; n])));
    columns.push(Arc::new(Int64Array::new_null(n)));
    let batch = RecordBatch::try_new(Arc::new(Schema::new(run_fields(true))), columns)
        .map_err(|e| StoreError::Shape(format!("run chunk: {e}")))?;
    let mut app = conn.appender("runs")?;
    app.append_record_batch(batch)?;
    app.flush()?;
    Ok(())
}

/// What resolving a batch's runs did.
pub(super) struct Merged {
    pub stored: u64,
    pub replaced: u64,
    /// Appended rows dropped because a later row of the input had the same identity.
    pub duplicates: u64,
    /// Appended rows dropped because they equal their run's current version.
    pub unchanged: u64,
}

/// Resolves the `appended` rows that batch `batch_id` appended to `runs`:
/// removes the duplicates within the input (the later row wins) and the rows
/// identical to their run's current version, and marks the current versions
/// that the rest change as superseded. Fails, so that the batch rolls back,
/// if any appended row is missing or the counts do not add up.
pub(super) fn merge_batch_runs(conn: &Connection, batch_id: i64, appended: u64) -> Result<Merged> {
    let t = std::time::Instant::now();
    let (rows, hashes): (i64, i64) = conn.query_row(RUNS_BATCH_COUNT, params![batch_id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    // Every appended row must be there before anything is resolved.
    if rows as u64 != appended {
        return Err(StoreError::Incomplete {
            expected: appended,
            stored: rows as u64,
        });
    }
    // Distinct hashes prove distinct identities; fewer may be collisions, so count exactly.
    let distinct: i64 = if hashes == rows {
        rows
    } else {
        conn.query_row(RUNS_BATCH_DISTINCT, params![batch_id], |r| r.get(0))?
    };
    tracing::debug!(
        ms = t.elapsed().as_millis() as u64,
        "run batch: rows counted"
    );
    let duplicates = rows - distinct;
    if duplicates > 0 {
        let removed = conn.execute(RUNS_BATCH_DEDUPE, params![batch_id])? as i64;
        if removed != duplicates {
            return Err(StoreError::Shape(format!(
                "{duplicates} duplicate runs in the input, but {removed} were removed"
            )));
        }
    }
    let unchanged = conn.execute(RUNS_BATCH_DROP_UNCHANGED, params![batch_id])? as u64;
    tracing::debug!(
        ms = t.elapsed().as_millis() as u64,
        "run batch: unchanged removed"
    );
    let replaced = conn.execute(RUNS_BATCH_SUPERSEDE, params![batch_id])? as u64;
    tracing::debug!(
        ms = t.elapsed().as_millis() as u64,
        "run batch: versions superseded"
    );
    let stored: i64 = conn.query_row(RUNS_BATCH_STORED, params![batch_id], |r| r.get(0))?;
    // Never commit a batch whose counts do not add up.
    let expected = distinct as u64 - unchanged;
    if stored as u64 != expected {
        return Err(StoreError::Incomplete {
            expected,
            stored: stored as u64,
        });
    }
    Ok(Merged {
        stored: stored as u64,
        replaced,
        duplicates: duplicates as u64,
        unchanged,
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
        Ok(batch)
    }

    pub fn batch_id(&self) -> i64 {
        self.batch_id
    }

    /// Appends a chunk of accepted runs to the batch.
    pub fn append(&mut self, chunk: RunChunk) -> Result<()> {
        let n = chunk.len() as u64;
        append_runs(&self.conn, self.batch_id, chunk)?;
        self.appended += n;
        Ok(())
    }

    /// Keeps rejected rows with their reasons.
    pub fn reject(&mut self, rejects: &[Reject]) -> Result<()> {
        append_rejects(&self.conn, self.batch_id, Kind::Runs, rejects)?;
        self.rejected_rows += rejects.len() as u64;
        Ok(())
    }

    /// Resolves the batch's runs, records its counts and commits.
    pub fn commit(mut self, rows_read: u64, accepted: u64) -> Result<RunsWritten> {
        tracing::debug!(
            rows = self.appended,
            "run batch: all chunks appended; resolving"
        );
        let merged = merge_batch_runs(&self.conn, self.batch_id, self.appended)?;
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
        let t = std::time::Instant::now();
        self.conn.execute_batch("COMMIT")?;
        tracing::debug!(ms = t.elapsed().as_millis() as u64, "run batch committed");
        self.open = false;
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(RunsWritten {
            written: Written {
                batch_id: self.batch_id,
                stored: merged.stored,
                replaced: merged.replaced,
                unchanged: merged.unchanged,
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
