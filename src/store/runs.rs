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

use std::collections::HashSet;
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
const RUNS_BATCH_KEPT_KEYS: &str = include_str!("../../queries/runs/batch_kept_keys.sql");
const RUNS_BATCH_REPLACED_KEYS: &str = include_str!("../../queries/runs/batch_replaced_keys.sql");
const RUNS_BATCH_WORKFLOWS: &str = include_str!("../../queries/runs/batch_workflows.sql");

/// Runs converted to the store's bulk format: one Arrow record batch whose
/// columns are `runs`' columns but the batch ids (added when it is
/// appended, before `version`). Building one does no I/O, so an
/// ingest builds them on its reading thread.
pub struct RunChunk {
    batch: RecordBatch,
    /// The identity hash of every run (see `identity.rs`).
    hashes: Vec<u64>,
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
            text(runs.iter().map(|r| r.version.as_deref())),
        ];
        let batch = RecordBatch::try_new(run_fields_schema(), columns)
            .map_err(|e| StoreError::Shape(format!("run chunk: {e}")))?;
        let hashes = runs
            .iter()
            .map(|r| super::identity::identity_hash(&r.source, &r.run_id))
            .collect();
        Ok(RunChunk { batch, hashes })
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
    fields.push(Field::new("version", DataType::Utf8, true));
    fields
}

fn run_fields_schema() -> Arc<Schema> {
    Arc::new(Schema::new(run_fields(false)))
}

/// Appends runs to `runs` as versions of batch `batch_id`, not yet resolved
/// (see [`merge_batch_runs`]).
/// Returns the chunk's identity hashes, to record once the batch commits.
pub(super) fn append_runs(conn: &Connection, batch_id: i64, chunk: RunChunk) -> Result<Vec<u64>> {
    let n = chunk.len();
    // `runs`' order: the batch ids come before `version`, the chunk's last.
    let mut columns = chunk.batch.columns().to_vec();
    let version = columns.pop().expect("a run chunk has its columns");
    columns.push(Arc::new(Int64Array::from(vec![batch_id; n])));
    columns.push(Arc::new(Int64Array::new_null(n)));
    columns.push(version);
    let batch = RecordBatch::try_new(Arc::new(Schema::new(run_fields(true))), columns)
        .map_err(|e| StoreError::Shape(format!("run chunk: {e}")))?;
    let mut app = conn.appender("runs")?;
    app.append_record_batch(batch)?;
    app.flush()?;
    Ok(chunk.hashes)
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
/// `stored_from` says where the stored versions of the batch's identities
/// can be: `Some(b)`, in batches from `b` on (0: anywhere), so the lookups
/// read only those row groups; `None`, nowhere (every identity is known to
/// be new), so the two joins with the table are skipped.
pub(super) fn merge_batch_runs(
    conn: &Connection,
    batch_id: i64,
    appended: u64,
    stored_from: Option<i64>,
) -> Result<Merged> {
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
    let (unchanged, replaced) = match stored_from {
        None => (0, 0),
        Some(from) => {
            let unchanged =
                conn.execute(RUNS_BATCH_DROP_UNCHANGED, params![batch_id, from])? as u64;
            tracing::debug!(
                ms = t.elapsed().as_millis() as u64,
                "run batch: unchanged removed"
            );
            (
                unchanged,
                conn.execute(RUNS_BATCH_SUPERSEDE, params![batch_id, from])? as u64,
            )
        }
    };
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

/// What resolving a batch of distinct runs did, run by run: the identities
/// `(source, run_id)` it stored as new versions, and of those the ones that
/// replaced a stored version. An appended run in neither is unchanged.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub stored: HashSet<(String, String)>,
    pub replaced: HashSet<(String, String)>,
}

impl Resolved {
    /// Whether the run `id` was identical to its stored version.
    pub fn unchanged(&self, id: &(String, String)) -> bool {
        !self.stored.contains(id)
    }
}

fn keys(conn: &Connection, sql: &str, batch_id: i64) -> Result<HashSet<(String, String)>> {
    super::query_rows(conn, sql, params![batch_id], |r| Ok((r.get(0)?, r.get(1)?)))
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
    pub(super) counters: Counters<'s>,
    /// The workflows whose runs the batch changes, once resolved run by run
    /// ([`RunBatch::resolve_distinct`]); `None`: any workflow.
    pub(super) workflows: Option<Vec<String>>,
    /// The identity hashes of the appended runs.
    pub(super) hashes: Vec<u64>,
    pub(super) batch_id: i64,
    pub(super) appended: u64,
    pub(super) rejected_rows: u64,
    pub(super) open: bool,
}

/// What a commit of runs moves in the store: its generation, the runs
/// committed, the identities held in memory and the workflows changed.
pub(super) struct Counters<'s> {
    pub(super) generation: &'s AtomicU64,
    pub(super) runs_committed: &'s AtomicU64,
    pub(super) identities: &'s super::identity::Identities,
    pub(super) changes: &'s super::changes::Changes,
}

impl RunBatch<'_> {
    pub(super) fn begin<'s>(
        conn: MutexGuard<'s, Connection>,
        counters: Counters<'s>,
        meta: &RunBatchMeta<'_>,
    ) -> Result<RunBatch<'s>> {
        conn.execute_batch("BEGIN TRANSACTION")?;
        let mut batch = RunBatch {
            conn,
            counters,
            workflows: None,
            hashes: Vec::new(),
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
        let hashes = append_runs(&self.conn, self.batch_id, chunk)?;
        self.hashes.extend(hashes);
        self.appended += n;
        Ok(())
    }

    /// Keeps rejected rows with their reasons.
    pub fn reject(&mut self, rejects: &[Reject]) -> Result<()> {
        append_rejects(&self.conn, self.batch_id, Kind::Runs, rejects)?;
        self.rejected_rows += rejects.len() as u64;
        Ok(())
    }

    /// Resolves a batch whose runs are distinct (a group of pushed runs)
    /// before it commits, run by run: which were stored, which replaced a
    /// version, which were unchanged. Commit with [`RunBatch::commit_resolved`].
    pub fn resolve_distinct(&mut self) -> Result<Resolved> {
        // Runs that are all new (the usual webhook post) need no look at the
        // stored versions, and an update of a recent run looks only in the
        // recent row groups, so a group costs the same whatever the table's size.
        let stored_from = match self.counters.identities.known(&self.hashes) {
            super::identity::Known::AllNew => None,
            super::identity::Known::From(b) => Some(b),
            super::identity::Known::Nothing => Some(0),
        };
        let merged = merge_batch_runs(&self.conn, self.batch_id, self.appended, stored_from)?;
        if merged.duplicates > 0 {
            return Err(StoreError::Shape(format!(
                "{} runs of a group of distinct runs share an identity",
                merged.duplicates
            )));
        }
        let stored = keys(&self.conn, RUNS_BATCH_KEPT_KEYS, self.batch_id)?;
        let replaced = if merged.replaced == 0 {
            HashSet::new()
        } else {
            keys(&self.conn, RUNS_BATCH_REPLACED_KEYS, self.batch_id)?
        };
        if stored.len() as u64 != merged.stored || replaced.len() as u64 != merged.replaced {
            return Err(StoreError::Shape(format!(
                "the group stored {} and replaced {} runs, but {} and {} identities were found",
                merged.stored,
                merged.replaced,
                stored.len(),
                replaced.len()
            )));
        }
        // The workflows of the runs stored and of the versions they replaced
        // (an update may move a run to another workflow).
        let from = stored_from.map_or(self.batch_id, |b| b.min(self.batch_id));
        self.workflows = Some(super::query_rows(
            &self.conn,
            RUNS_BATCH_WORKFLOWS,
            params![self.batch_id, from],
            |r| r.get(0),
        )?);
        Ok(Resolved { stored, replaced })
    }

    /// Keeps the answer to a request with an Idempotency-Key in the batch's
    /// transaction, so that the answer is kept if and only if the runs are.
    pub fn keep_answer(&self, a: &super::KeptAnswer<'_>) -> Result<()> {
        super::keep_answer_in(&self.conn, a)
    }

    /// Records the counts of a batch resolved by [`RunBatch::resolve_distinct`] and commits.
    pub fn commit_resolved(
        mut self,
        rows_read: u64,
        accepted: u64,
        resolved: &Resolved,
    ) -> Result<Written> {
        let stored = resolved.stored.len() as u64;
        let merged = Merged {
            stored,
            replaced: resolved.replaced.len() as u64,
            duplicates: 0,
            unchanged: self.appended - stored,
        };
        Ok(self.finish(rows_read, accepted, &merged)?.written)
    }

    /// Resolves the batch's runs, records its counts and commits.
    pub fn commit(mut self, rows_read: u64, accepted: u64) -> Result<RunsWritten> {
        tracing::debug!(
            rows = self.appended,
            "run batch: all chunks appended; resolving"
        );
        let merged = merge_batch_runs(&self.conn, self.batch_id, self.appended, Some(0))?;
        self.finish(rows_read, accepted, &merged)
    }

    fn finish(&mut self, rows_read: u64, accepted: u64, merged: &Merged) -> Result<RunsWritten> {
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
        // Still under the writer's lock: no other commit comes between.
        let c = &self.counters;
        c.identities.add(&self.hashes, self.batch_id);
        match &self.workflows {
            Some(w) => c.changes.workflows(w),
            None => c.changes.everything(),
        }
        c.runs_committed.fetch_add(merged.stored, Ordering::AcqRel);
        c.generation.fetch_add(1, Ordering::AcqRel);
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
