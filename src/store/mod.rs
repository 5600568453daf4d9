//! Storage: the one narrow type, [`Store`], in front of the DuckDB file.
//!
//! Every statement comes from `queries/` and binds its parameters. Writes go
//! through one writer connection behind a mutex (DuckDB allows one writer per
//! file); reads clone a connection and run concurrently. All methods are
//! blocking: async callers run them in `spawn_blocking`.

mod alerts;
mod changes;
mod engine;
mod evidence;
pub mod files;
mod frame;
mod identity;
mod incremental;
mod lake;
mod published;
mod runs;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::NaiveDateTime;
use duckdb::{params, Connection};
use polars::prelude::DataFrame;
use serde::Serialize;

use crate::engine::Scope;
pub use crate::engine::{Version, Versions};
pub use crate::model::{CatalogueEntry, WorkflowSummary};
use crate::model::{Kind, Reject, Rows, RunSample, Term, Workflow};
use crate::segments::Segments;
pub use frame::query_frame;
pub use incremental::Incremental;
pub use published::Published;
pub use runs::{Resolved, RunBatch, RunBatchMeta, RunChunk, RunsWritten};

const SCHEMA: &str = include_str!("../../queries/schema.sql");
const SCHEMA_CHECK: &str = include_str!("../../queries/schema_check.sql");
const STAGE_CLEAR: &str = include_str!("../../queries/stage/clear.sql");
const STAGE_COUNT: &str = include_str!("../../queries/stage/count.sql");
const BATCH_INSERT: &str = include_str!("../../queries/batches/insert.sql");
const BATCH_SET_COUNTS: &str = include_str!("../../queries/batches/set_counts.sql");
const BATCH_FINISH: &str = include_str!("../../queries/batches/finish.sql");
const BATCH_LIST: &str = include_str!("../../queries/batches/list.sql");
const IDEM_FIND: &str = include_str!("../../queries/idempotency/find.sql");
const IDEM_INSERT: &str = include_str!("../../queries/idempotency/insert.sql");
const TOKENS_INSERT: &str = include_str!("../../queries/tokens/insert.sql");
const TOKENS_FIND: &str = include_str!("../../queries/tokens/find.sql");
const TOKENS_LIST: &str = include_str!("../../queries/tokens/list.sql");
const TOKENS_REVOKE: &str = include_str!("../../queries/tokens/revoke.sql");
const RUNS_KEYS: &str = include_str!("../../queries/runs/keys.sql");
const RUNS_SPAN: &str = include_str!("../../queries/runs/span.sql");
const ENGINE_VERSION: &str = include_str!("../../queries/engine_version.sql");
const RUNS_IDS_OF_SOURCE: &str = include_str!("../../queries/runs/ids_of_source.sql");
const RUNS_IDENTITIES: &str = include_str!("../../queries/runs/identities.sql");
const WORKFLOWS_COUNT_CHANGED: &str = include_str!("../../queries/workflows/count_changed.sql");
const WORKFLOWS_INSERT_STAGED: &str = include_str!("../../queries/workflows/insert_staged.sql");
const MAP_COUNT_CHANGED: &str = include_str!("../../queries/platform_map/count_changed.sql");
const MAP_INSERT_STAGED: &str = include_str!("../../queries/platform_map/insert_staged.sql");
const MAP_CURRENT: &str = include_str!("../../queries/platform_map/current.sql");
const MAP_LIST: &str = include_str!("../../queries/platform_map/list.sql");
const RUNS_STATES_OF_SOURCE: &str = include_str!("../../queries/runs/states_of_source.sql");
const PULL_GET: &str = include_str!("../../queries/pull/get.sql");
const PULL_PUT: &str = include_str!("../../queries/pull/put.sql");
const WORKFLOWS_IDS: &str = include_str!("../../queries/workflows/ids.sql");
const WORKFLOWS_LIST: &str = include_str!("../../queries/workflows/list.sql");
const WORKFLOWS_CATALOGUE: &str = include_str!("../../queries/workflows/catalogue.sql");
const WATERFALL: &str = include_str!("../../queries/metrics/waterfall.sql");
const PROVENANCE: &str = include_str!("../../queries/metrics/provenance.sql");
const REPORTING_MONEY: &str = include_str!("../../queries/metrics/reporting_money.sql");
const WORKFLOWS_TERMS: &str = include_str!("../../queries/workflows/terms.sql");
const BASELINES_DELETE_STAGED: &str = include_str!("../../queries/baselines/delete_staged.sql");
const BASELINES_INSERT_STAGED: &str = include_str!("../../queries/baselines/insert_staged.sql");
const FX_DELETE_STAGED: &str = include_str!("../../queries/fx/delete_staged.sql");
const FX_INSERT_STAGED: &str = include_str!("../../queries/fx/insert_staged.sql");
const REJECTS_LIST: &str = include_str!("../../queries/rejects/list.sql");
const WORKFLOW_METRICS: &str = include_str!("../../queries/metrics/workflow_metrics.sql");
const COMPARE_STUDY: &str = include_str!("../../queries/compare/study.sql");
const COMPARE_RUNS: &str = include_str!("../../queries/compare/runs.sql");
const BACKLOG_CANDIDATES: &str = include_str!("../../queries/backlog/candidates.sql");
const STEPS_DELETE_OF_BATCH_RUNS: &str =
    include_str!("../../queries/steps/delete_of_batch_runs.sql");
const STEPS_INSERT_STAGED: &str = include_str!("../../queries/steps/insert_staged.sql");
const STEPS_DELETE_STAGED_RUNS: &str = include_str!("../../queries/steps/delete_staged_runs.sql");
const STEPS_REPORT: &str = include_str!("../../queries/steps/report.sql");
const STEPS_COUNT_STAGED: &str = include_str!("../../queries/steps/count_staged.sql");
const BACKLOG_RESIDUAL: &str = include_str!("../../queries/backlog/residual.sql");

/// A storage failure. Its text is for logs; users see "internal error".
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] duckdb::Error),
    /// The file could not be opened; `reason` is DuckDB's message once
    /// (its error repeats it as its own cause), or what a lock held by
    /// another process means for the user.
    #[error("cannot open database `{path}`: {reason}")]
    Open { path: String, reason: String },
    #[error("dataframe error: {0}")]
    Frame(#[from] polars::error::PolarsError),
    #[error(
        "`{0}` was written by an earlier Yardstick that kept no version history; \
         ingest your files again into a new database file"
    )]
    OldSchema(String),
    #[error("the writer lock is poisoned by an earlier panic")]
    Poisoned,
    #[error("batch rolled back: {expected} rows were to be stored but {stored} arrived")]
    Incomplete { expected: u64, stored: u64 },
    #[error("unexpected query result: {0}")]
    Shape(String),
    /// The lake that DuckDB reads (`--engine duckdb-lake`) failed; the text
    /// says which part and why.
    #[error("{0}")]
    Lake(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Why a file could not be opened, from DuckDB's message: a lock held by
/// another process — in practice a running `yardstick serve` or `demo`,
/// which keeps its file open — is said in the user's terms, naming the
/// process; anything else is DuckDB's text.
fn open_reason(duckdb: &str) -> String {
    const HELD: &str = "Conflicting lock is held in ";
    let Some(i) = duckdb.find(HELD) else {
        return duckdb.to_string();
    };
    let rest = &duckdb[i + HELD.len()..];
    // "…/yardstick (PID 2324). See also …"
    let holder = rest
        .split(". See also")
        .next()
        .unwrap_or(rest)
        .trim_end_matches('.');
    format!(
        "another process holds it: {holder}, and no live Yardstick server has recorded its \
         address beside the file (FILE.server.json, written by `serve` and `demo`). If that \
         process is a Yardstick server, run the command through it with --server URL (or \
         YARDSTICK_SERVER; a token in YARDSTICK_TOKEN); else stop it and run this command again"
    )
}

/// A batch to store: its accepted rows and its rejects, written in one transaction.
#[derive(Debug)]
pub struct NewBatch<'a> {
    pub kind: Kind,
    pub origin: &'a str,
    pub format: &'a str,
    pub received_at: NaiveDateTime,
    pub rows_read: u64,
    /// Rows that passed validation, before duplicates within the input were merged.
    pub accepted: u64,
    /// Distinct rows to store: later duplicates within the input already won.
    pub rows: &'a Rows,
    pub rejects: &'a [Reject],
    /// The steps of the batch's runs, when the input carries steps (an event
    /// log): they replace every stored step of those runs. `None` leaves steps alone.
    pub steps: Option<&'a [crate::model::Step]>,
}

/// What storing a batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Written {
    pub batch_id: i64,
    pub stored: u64,
    /// Stored rows that replaced an earlier version of the same identity.
    pub replaced: u64,
    /// Catalogue rows identical to the current version, so not recorded again.
    pub unchanged: u64,
}

/// How a staged batch reaches its table.
enum Merge {
    /// Delete the stored versions, insert the staged rows.
    Replace(&'static str, &'static str),
    /// Record new versions of changed rows beside the old ones (the catalogue,
    /// the platform map): count the changed, insert the changed.
    Versioned(&'static str, &'static str),
    /// Mark changed runs superseded, then add the new versions.
    VersionedRuns,
}

/// An API token as listed: never its secret nor its hash.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TokenInfo {
    /// The part of the token after `ys_`, before its secret: what `revoke` takes.
    pub token_id: String,
    /// Who holds it.
    pub name: String,
    #[schemars(with = "crate::auth::Role")]
    pub role: String,
    #[schemars(with = "crate::schema::Timestamp")]
    pub created_at: String,
    #[schemars(with = "Option<crate::schema::Timestamp>")]
    pub revoked_at: Option<String>,
}

/// One line of the platform workflow map in force.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct MapLine {
    pub platform: String,
    pub platform_workflow: String,
    pub workflow_id: String,
    /// The batch that recorded this version of the line.
    pub batch_id: i64,
    pub recorded_at: NaiveDateTime,
}

/// A stored reject problem.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StoredReject {
    pub batch_id: i64,
    pub kind: String,
    pub origin: String,
    pub line: i64,
    pub key: Option<String>,
    pub field: Option<String>,
    pub reason: String,
    pub raw: String,
}

/// A stored ingest batch.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BatchSummary {
    pub batch_id: i64,
    pub kind: String,
    pub origin: String,
    pub format: String,
    #[serde(serialize_with = "crate::model::serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub received_at: NaiveDateTime,
    pub rows_read: i64,
    pub accepted: i64,
    pub stored: i64,
    pub replaced: i64,
    pub rejected: i64,
}

/// The Yardstick database.
#[derive(Clone)]
pub struct Store {
    writer: Arc<Mutex<Connection>>,
    /// Readers clone this connection, never the writer's, so a long write
    /// (a streamed batch holds the writer for its whole input) blocks no read.
    readers: Arc<Mutex<Connection>>,
    path: Arc<str>,
    /// Bumped by every committed write: cached results of an older
    /// generation are stale.
    generation: Arc<std::sync::atomic::AtomicU64>,
    /// Run versions committed through this handle (and its clones): what a
    /// kept answer does not include is the difference.
    runs_committed: Arc<std::sync::atomic::AtomicU64>,
    /// The identities of the stored runs, once loaded ([`Store::load_identities`]).
    identities: identity::Identities,
    /// Which workflows each commit changed.
    changes: changes::Changes,
}

impl Store {
    /// Opens (creating if needed) the database file at `path` and its tables.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Self::open_limited(path, None)
    }

    /// [`Store::open`] with DuckDB's memory limit (`"1GB"`, `"512MB"`; `None`:
    /// DuckDB's default, 80% of the machine's memory). Past the limit DuckDB
    /// spills to a temporary file beside the database instead of growing, so
    /// a large ingest stays within it at some cost in time.
    pub fn open_limited(path: impl AsRef<Path>, memory_limit: Option<&str>) -> Result<Store> {
        let p = path.as_ref();
        let open_error = |e: duckdb::Error| StoreError::Open {
            path: p.display().to_string(),
            reason: open_reason(&e.to_string()),
        };
        let mut config = duckdb::Config::default();
        if let Some(limit) = memory_limit {
            config = config.max_memory(limit).map_err(open_error)?;
        }
        let conn = Connection::open_with_flags(p, config).map_err(open_error)?;
        Self::init(conn, p.display().to_string())
    }

    /// An in-memory database, for tests and one-off reports.
    pub fn open_in_memory() -> Result<Store> {
        Self::init(Connection::open_in_memory()?, ":memory:".into())
    }

    fn init(conn: Connection, path: String) -> Result<Store> {
        let (has_workflows, has_ledger): (i64, i64) =
            conn.query_row(SCHEMA_CHECK, [], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if has_workflows > 0 && has_ledger < 2 {
            return Err(StoreError::OldSchema(path));
        }
        conn.execute_batch(SCHEMA)?;
        let readers = conn.try_clone()?;
        Ok(Store {
            writer: Arc::new(Mutex::new(conn)),
            readers: Arc::new(Mutex::new(readers)),
            path: path.into(),
            generation: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            runs_committed: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            identities: identity::Identities::new(),
            changes: changes::Changes::default(),
        })
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// The number of writes committed through this handle (and its clones):
    /// anything computed at an older generation may be stale.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Where the store stands: its generation and the run versions committed
    /// through this handle, read together after every commit's counts moved.
    pub fn freshness(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering;
        // The runs are counted before the generation is bumped, so a reader
        // that sees a generation sees at least its runs.
        let generation = self.generation.load(Ordering::Acquire);
        (generation, self.runs_committed.load(Ordering::Acquire))
    }

    /// The version of every workflow's data now (see [`Versions`]): read it
    /// before the data a result is computed from.
    pub fn versions(&self) -> Versions {
        self.changes.now()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>> {
        self.writer.lock().map_err(|_| StoreError::Poisoned)
    }

    /// A connection for reading; readers do not wait for each other.
    fn reader(&self) -> Result<Connection> {
        let seed = self.readers.lock().map_err(|_| StoreError::Poisoned)?;
        Ok(seed.try_clone()?)
    }

    /// Opens a run batch whose rows arrive in chunks: everything appended is
    /// committed together by [`RunBatch::commit`], or rolled back if the batch
    /// is dropped first. Other writes wait until then; reads do not.
    pub fn begin_runs(&self, meta: &RunBatchMeta<'_>) -> Result<RunBatch<'_>> {
        RunBatch::begin(
            self.lock()?,
            runs::Counters {
                generation: &self.generation,
                runs_committed: &self.runs_committed,
                identities: &self.identities,
                changes: &self.changes,
            },
            meta,
        )
    }

    /// Starts loading the identities of the stored runs in the background
    /// (once; a server calls it, a command-line process never needs them):
    /// until they are loaded, a group of pushed runs is resolved against the
    /// table, after that a group of new runs without looking at it.
    pub fn load_identities(&self) {
        let Ok(writer) = self.lock() else { return };
        if !self.identities.start_loading() {
            return;
        }
        // The read starts after the set is marked loading: a run committed
        // before is in the table, one committed after is recorded as pending.
        drop(writer);
        let (store, ids) = (self.clone(), self.identities.clone());
        let spawned = std::thread::Builder::new()
            .name("yardstick-identities".into())
            .spawn(move || {
                let t = std::time::Instant::now();
                match store.identity_hashes() {
                    Ok(h) => {
                        let n = h.len();
                        ids.loaded(h);
                        tracing::info!(runs = n, ms = t.elapsed().as_millis() as u64, "run identities loaded");
                    }
                    Err(e) => {
                        ids.failed();
                        tracing::warn!(error = %e, "cannot load the run identities; pushed runs are resolved against the table");
                    }
                }
            });
        if spawned.is_err() {
            self.identities.failed();
        }
    }

    /// The identity hash of every stored run and the batch of its current
    /// version (as `identity` keeps it), read from the table.
    fn identity_hashes(&self) -> Result<Vec<(u64, u32)>> {
        use duckdb::arrow::array::{Array, Int64Array, StringArray};
        let conn = self.reader()?;
        let mut stmt = conn.prepare(RUNS_IDENTITIES)?;
        let mut out = Vec::new();
        for batch in stmt.query_arrow([])? {
            let col = |i: usize| {
                batch
                    .column(i)
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .cloned()
                    .ok_or_else(|| StoreError::Shape("run identities are not text".into()))
            };
            let (source, run_id) = (col(0)?, col(1)?);
            let batches = batch
                .column(2)
                .as_any()
                .downcast_ref::<Int64Array>()
                .ok_or_else(|| StoreError::Shape("batch ids are not BIGINT".into()))?;
            for i in 0..batch.num_rows() {
                out.push((
                    identity::identity_hash(source.value(i), run_id.value(i)),
                    u32::try_from(batches.value(i)).unwrap_or(0),
                ));
            }
        }
        Ok(out)
    }

    /// The DuckDB engine's own version and source id, as `pragma_version()`
    /// gives them: `vMAJOR.MINOR.PATCH (source id)`.
    pub fn engine_version(&self) -> Result<String> {
        let conn = self.reader()?;
        let (v, id): (String, String) =
            conn.query_row(ENGINE_VERSION, [], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(format!("{v} ({id})"))
    }

    /// The run ids of every current run of `source` (the benchmark checks
    /// that every acknowledged push is stored).
    pub fn stored_run_ids(&self, source: &str) -> Result<HashSet<String>> {
        query_rows(&self.reader()?, RUNS_IDS_OF_SOURCE, params![source], |r| {
            r.get(0)
        })
    }

    /// The run id and status of every current run of `source`, by run id.
    pub fn run_states(&self, source: &str) -> Result<Vec<(String, String)>> {
        query_rows(
            &self.reader()?,
            RUNS_STATES_OF_SOURCE,
            params![source],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    /// Every catalogued workflow id.
    pub fn workflow_ids(&self) -> Result<HashSet<String>> {
        query_rows(&self.reader()?, WORKFLOWS_IDS, [], |r| r.get(0))
    }

    /// The workflow map in force for `platform`: its workflow → catalogued workflow.
    pub fn platform_map(&self, platform: &str) -> Result<HashMap<String, String>> {
        query_rows(&self.reader()?, MAP_CURRENT, params![platform], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
    }

    /// Every line of the map in force: platform, platform workflow, workflow,
    /// and the batch and time that recorded it.
    pub fn platform_map_lines(&self) -> Result<Vec<MapLine>> {
        query_rows(&self.reader()?, MAP_LIST, [], |r| {
            Ok(MapLine {
                platform: r.get(0)?,
                platform_workflow: r.get(1)?,
                workflow_id: r.get(2)?,
                batch_id: r.get(3)?,
                recorded_at: r.get(4)?,
            })
        })
    }

    /// Where the last pull of `source` stopped (JSON), if it ever ran.
    pub fn pull_state(&self, source: &str) -> Result<Option<String>> {
        first_row(&self.reader()?, PULL_GET, params![source], |r| r.get(0))
    }

    /// Records where a pull of `source` stopped, after its batch committed.
    pub fn set_pull_state(
        &self,
        source: &str,
        platform: &str,
        state: &str,
        batch_id: Option<i64>,
    ) -> Result<()> {
        let conn = self.lock()?;
        conn.execute(
            PULL_PUT,
            params![
                source,
                platform,
                state,
                batch_id,
                chrono::Utc::now().naive_utc()
            ],
        )?;
        Ok(())
    }

    /// The stored answer to a request with this Idempotency-Key on this route:
    /// (SHA-256 of its body, status, response body).
    pub fn idempotent_answer(
        &self,
        key: &str,
        route: &str,
    ) -> Result<Option<(String, u16, String)>> {
        first_row(&self.reader()?, IDEM_FIND, params![key, route], |r| {
            Ok((r.get(0)?, r.get::<_, i32>(1)? as u16, r.get(2)?))
        })
    }

    /// Keeps the answer to a keyed request (the first answer wins).
    pub fn keep_answer(&self, a: &KeptAnswer<'_>) -> Result<()> {
        let conn = self.lock()?;
        keep_answer_in(&conn, a)
    }

    /// Creates a token with a role and returns it; only its hash is stored.
    pub fn token_create(&self, name: &str, role: crate::auth::Role) -> Result<String> {
        let (id, secret, token) = crate::auth::new_token();
        let conn = self.lock()?;
        conn.execute(
            TOKENS_INSERT,
            params![
                id,
                name,
                role.as_str(),
                crate::auth::digest(&secret),
                chrono::Utc::now().naive_utc()
            ],
        )?;
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Ok(token)
    }

    /// The role of a valid, unrevoked token.
    pub fn token_role(&self, token: &str) -> Result<Option<crate::auth::Role>> {
        let Some((id, secret)) = crate::auth::split(token) else {
            return Ok(None);
        };
        let found = first_row(&self.reader()?, TOKENS_FIND, params![id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        let Some((hash, role)): Option<(String, String)> = found else {
            return Ok(None);
        };
        Ok(
            crate::auth::same_digest(&hash, &crate::auth::digest(secret))
                .then(|| role.parse().ok())
                .flatten(),
        )
    }

    /// Every token: id, name, role, created, revoked (never the hash).
    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        query_rows(&self.reader()?, TOKENS_LIST, [], |r| {
            let created: NaiveDateTime = r.get(3)?;
            let revoked: Option<NaiveDateTime> = r.get(4)?;
            Ok(TokenInfo {
                token_id: r.get(0)?,
                name: r.get(1)?,
                role: r.get(2)?,
                created_at: crate::model::format_timestamp(created),
                revoked_at: revoked.map(crate::model::format_timestamp),
            })
        })
    }

    /// Revokes a token by its id (the part after `ys_`); false when no such live token.
    pub fn token_revoke(&self, token_id: &str) -> Result<bool> {
        let conn = self.lock()?;
        let n = conn.execute(
            TOKENS_REVOKE,
            params![token_id, chrono::Utc::now().naive_utc()],
        )?;
        Ok(n > 0)
    }

    /// Every current run as `source\u{1f}run_id`, to check that steps belong to stored runs.
    pub fn run_keys(&self) -> Result<HashSet<String>> {
        query_rows(&self.reader()?, RUNS_KEYS, [], |r| r.get(0))
    }

    /// Stores a batch in one transaction: all of its rows and rejects, or nothing.
    pub fn write_batch(&self, b: &NewBatch<'_>) -> Result<Written> {
        let mut conn = self.lock()?;
        // Dropping the transaction without commit rolls it back.
        let tx = conn.transaction()?;
        let (written, hashes) = write_in_tx(&tx, b)?;
        tx.commit()?;
        // Still under the writer's lock: no other commit comes between.
        self.identities.add(&hashes, written.batch_id);
        if b.kind == Kind::Runs {
            self.runs_committed
                .fetch_add(written.stored, std::sync::atomic::Ordering::AcqRel);
        }
        self.changes.everything();
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Ok(written)
    }

    /// The catalogue as of a moment (`None`: now) with each workflow's B; no
    /// run counts, so it is cheap enough to call for every report.
    pub fn catalogue(&self, as_of: Option<NaiveDateTime>) -> Result<Vec<CatalogueEntry>> {
        let conn = self.reader()?;
        let mut entries: Vec<CatalogueEntry> =
            query_rows(&conn, WORKFLOWS_CATALOGUE, params![as_of], |r| {
                Ok(CatalogueEntry {
                    workflow: workflow_of(r)?,
                    recorded_at: r.get(14)?,
                    b: r.get(15)?,
                    b_source: r.get(16)?,
                    baseline_observations: r.get(17)?,
                    terms: Vec::new(),
                })
            })?;
        let terms = query_rows(&conn, WORKFLOWS_TERMS, params![as_of], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Term {
                    effective_from: r.get(1)?,
                    effective_to: r.get(2)?,
                    b: r.get(3)?,
                    b_source: r.get(4)?,
                    hourly_cost: r.get(5)?,
                    currency: r.get(6)?,
                    sla_response_minutes: r.get(7)?,
                    sla_cycle_minutes: r.get(8)?,
                    cost_per_run: r.get(9)?,
                    maintenance_hours_per_month: r.get(10)?,
                },
            ))
        })?;
        crate::model::attach_terms(&mut entries, terms);
        Ok(entries)
    }

    /// The catalogue as of a moment (`None`: now), with evidence counts.
    pub fn workflows(&self, as_of: Option<NaiveDateTime>) -> Result<Vec<WorkflowSummary>> {
        query_rows(&self.reader()?, WORKFLOWS_LIST, params![as_of], |r| {
            Ok(WorkflowSummary {
                workflow: workflow_of(r)?,
                runs: r.get(14)?,
                baseline_observations: r.get(15)?,
                recorded_at: r.get(16)?,
            })
        })
    }

    /// Reclaimed hours from gross to net per workflow
    /// (`queries/metrics/waterfall.sql`); see `Engine::waterfall_frame`.
    pub fn waterfall_frame(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        scope: Scope<'_>,
    ) -> Result<DataFrame> {
        let (only, as_of) = (scope.list(), scope.as_of);
        frame::query_frame(&self.reader()?, WATERFALL, params![from, to, only, as_of])
    }

    /// Where the metric table of `[from, to)` comes from
    /// (`queries/metrics/provenance.sql`); see `Engine::provenance_frame`.
    pub fn provenance_frame(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        scope: Scope<'_>,
    ) -> Result<DataFrame> {
        let (only, as_of) = (scope.list(), scope.as_of);
        frame::query_frame(&self.reader()?, PROVENANCE, params![from, to, only, as_of])
    }

    /// Reclaimed money in a reporting currency by period, workflow and rate
    /// (`queries/metrics/reporting_money.sql`); see `Engine::reporting_money`.
    pub fn reporting_money(
        &self,
        bounds: &[NaiveDateTime],
        scope: Scope<'_>,
        currency: &str,
    ) -> Result<DataFrame> {
        let Some(b) = crate::engine::bounds(bounds)? else {
            return Ok(DataFrame::empty());
        };
        let (only, as_of) = (scope.list(), scope.as_of);
        let conn = self.reader()?;
        frame::query_frame(
            &conn,
            REPORTING_MONEY,
            params![b.from, b.to, only, as_of, b.list, currency],
        )
    }

    /// The metric tables of the consecutive periods `[bounds[i], bounds[i+1])`,
    /// in one query: one DataFrame per period, as [`Store::metric_frame`] gives.
    pub fn metric_frames(
        &self,
        bounds: &[NaiveDateTime],
        leak_horizon_days: f64,
        scope: Scope<'_>,
    ) -> Result<Vec<DataFrame>> {
        let whole = Segments::default();
        let frames = self.segment_frames(bounds, leak_horizon_days, scope, &whole)?;
        // Not segmented: the segment column is null throughout.
        frames
            .into_iter()
            .map(|mut df| {
                df.drop_in_place("segment")?;
                Ok(df)
            })
            .collect()
    }

    /// [`Store::metric_frames`] segmented and filtered by the runs'
    /// attributes: the same query with the segment's and the filter's
    /// paths bound, its last column `segment`.
    pub fn segment_frames(
        &self,
        bounds: &[NaiveDateTime],
        leak_horizon_days: f64,
        scope: Scope<'_>,
        segments: &Segments,
    ) -> Result<Vec<DataFrame>> {
        let Some(b) = crate::engine::bounds(bounds)? else {
            return Ok(Vec::new());
        };
        let (only, as_of) = (scope.list(), scope.as_of);
        let (filter_paths, filter_values) = segments.filter_paths();
        let conn = self.reader()?;
        let df = frame::query_frame(
            &conn,
            WORKFLOW_METRICS,
            params![
                b.from,
                b.to,
                leak_horizon_days,
                only,
                as_of,
                b.list,
                segments.by_paths(),
                filter_paths,
                filter_values
            ],
        )?;
        Ok(crate::engine::split_periods(df, b.periods)?)
    }

    /// The evidence of some workflows' comparisons (ids are slugs, so they
    /// join with commas): their time-study observations as one DataFrame
    /// ordered by `workflow_id`, and their runs anchored in `[from, to)`
    /// (`from` `None`: before `to`), one sample per workflow in the order of
    /// `workflow_ids`.
    pub fn compare_evidence(
        &self,
        workflow_ids: &[String],
        from: Option<NaiveDateTime>,
        to: NaiveDateTime,
        as_of: Option<NaiveDateTime>,
    ) -> Result<(DataFrame, Vec<RunSample>)> {
        let (study, by) =
            self.segment_evidence(workflow_ids, from, to, as_of, &Segments::default())?;
        // Not segmented: one sample per workflow with runs.
        let runs = by
            .into_iter()
            .map(|s| s.into_iter().next().map(|(_, r)| r).unwrap_or_default())
            .collect();
        Ok((study, runs))
    }

    /// A dashboard query (`queries/dashboards/*.sql`) over `[from, to)` and the
    /// workflows in view, with its three parameters bound.
    pub fn dashboard_query(
        &self,
        sql: &str,
        from: NaiveDateTime,
        to: NaiveDateTime,
        workflows: &[String],
    ) -> Result<DataFrame> {
        let conn = self.reader()?;
        frame::query_frame(&conn, sql, params![from, to, workflows.join(",")])
    }

    /// Per step of a workflow's runs anchored in `[from, to)`: n, work, wait
    /// and shares of cycle time (`queries/steps/report.sql`).
    pub fn steps_frame(
        &self,
        workflow_id: &str,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<DataFrame> {
        let conn = self.reader()?;
        frame::query_frame(&conn, STEPS_REPORT, params![from, to, workflow_id])
    }

    /// The backlog's evidence: candidates (observed, not automated) and the
    /// residual human share of each automated workflow.
    pub fn backlog_frames(&self, as_of: Option<NaiveDateTime>) -> Result<(DataFrame, DataFrame)> {
        let conn = self.reader()?;
        let candidates = frame::query_frame(&conn, BACKLOG_CANDIDATES, params![as_of])?;
        let residuals = frame::query_frame(&conn, BACKLOG_RESIDUAL, params![as_of])?;
        Ok((candidates, residuals))
    }

    /// The earliest and latest run anchor, if there are runs.
    pub fn run_span(&self) -> Result<Option<(NaiveDateTime, NaiveDateTime)>> {
        let conn = self.reader()?;
        let span = conn.query_row(RUNS_SPAN, [], |r| {
            Ok((
                r.get::<_, Option<NaiveDateTime>>(0)?,
                r.get::<_, Option<NaiveDateTime>>(1)?,
            ))
        })?;
        Ok(match span {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        })
    }

    /// Stored rejects, newest batch first.
    pub fn rejects(&self, batch_id: Option<i64>, limit: u64) -> Result<Vec<StoredReject>> {
        query_rows(
            &self.reader()?,
            REJECTS_LIST,
            params![batch_id, limit as i64],
            |r| {
                Ok(StoredReject {
                    batch_id: r.get(0)?,
                    kind: r.get(1)?,
                    origin: r.get(2)?,
                    line: r.get(3)?,
                    key: r.get(4)?,
                    field: r.get(5)?,
                    reason: r.get(6)?,
                    raw: r.get(7)?,
                })
            },
        )
    }

    /// Stored batches, newest first.
    pub fn batches(&self, limit: u64) -> Result<Vec<BatchSummary>> {
        query_rows(
            &self.reader()?,
            BATCH_LIST,
            params![limit as i64],
            BatchSummary::of_row,
        )
    }
}

impl BatchSummary {
    /// A batch from a row of `batches/list.sql` or `batches/ledger.sql`.
    fn of_row(r: &duckdb::Row<'_>) -> duckdb::Result<BatchSummary> {
        Ok(BatchSummary {
            batch_id: r.get(0)?,
            kind: r.get(1)?,
            origin: r.get(2)?,
            format: r.get(3)?,
            received_at: r.get(4)?,
            rows_read: r.get(5)?,
            accepted: r.get(6)?,
            stored: r.get(7)?,
            replaced: r.get(8)?,
            rejected: r.get(9)?,
        })
    }
}

/// Every row `sql` gives with `params` bound, each read by `row`, collected
/// (into a list, a set or a map, as the caller's type says).
fn query_rows<T, C: FromIterator<T>>(
    conn: &Connection,
    sql: &str,
    params: impl duckdb::Params,
    row: impl FnMut(&duckdb::Row<'_>) -> duckdb::Result<T>,
) -> Result<C> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params, row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The first row `sql` gives with `params` bound, read by `row`, if any.
fn first_row<T>(
    conn: &Connection,
    sql: &str,
    params: impl duckdb::Params,
    row: impl FnOnce(&duckdb::Row<'_>) -> duckdb::Result<T>,
) -> Result<Option<T>> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(params)?;
    Ok(match rows.next()? {
        Some(r) => Some(row(r)?),
        None => None,
    })
}

/// The catalogued workflow in a row's first fourteen columns, in the order
/// `queries/workflows/catalogue.sql` and `list.sql` give them, and the
/// column `outcomes`.
fn workflow_of(r: &duckdb::Row<'_>) -> duckdb::Result<Workflow> {
    Ok(Workflow {
        workflow_id: r.get(0)?,
        name: r.get(1)?,
        owner: r.get(2)?,
        team: r.get(3)?,
        category: r.get(4)?,
        hourly_cost: r.get(5)?,
        currency: r.get(6)?,
        sla_response_minutes: r.get(7)?,
        sla_cycle_minutes: r.get(8)?,
        automated_since: r.get(9)?,
        baseline_minutes_per_item: r.get(10)?,
        effective_from: r.get(11)?,
        cost_per_run: r.get(12)?,
        maintenance_hours_per_month: r.get(13)?,
        outcomes: r.get("outcomes")?,
    })
}

/// The answer to a request that carried an Idempotency-Key, to keep.
#[derive(Debug, Clone, Copy)]
pub struct KeptAnswer<'a> {
    pub key: &'a str,
    pub route: &'a str,
    /// SHA-256 of the request body, hex.
    pub body_sha256: &'a str,
    pub status: u16,
    pub response: &'a str,
}

/// Keeps the answer to a keyed request on `conn` (the first answer wins).
fn keep_answer_in(conn: &Connection, a: &KeptAnswer<'_>) -> Result<()> {
    let known = conn
        .prepare(IDEM_FIND)?
        .query(params![a.key, a.route])?
        .next()?
        .is_some();
    if !known {
        conn.execute(
            IDEM_INSERT,
            params![
                a.key,
                a.route,
                a.body_sha256,
                a.status as i32,
                a.response,
                chrono::Utc::now().naive_utc()
            ],
        )?;
    }
    Ok(())
}

/// Appends steps to the staging table.
fn stage_steps(conn: &Connection, steps: &[crate::model::Step]) -> Result<()> {
    use duckdb::arrow::array::{ArrayRef, Int64Array};
    use duckdb::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
    use runs::{text, ts};
    // In bulk as one Arrow record batch: row by row, an event log's steps took
    // longer to stage than its runs took to merge.
    let columns: Vec<ArrayRef> = vec![
        text(steps.iter().map(|s| Some(s.source.as_str()))),
        text(steps.iter().map(|s| Some(s.run_id.as_str()))),
        Arc::new(Int64Array::from_iter_values(steps.iter().map(|s| s.seq))),
        text(steps.iter().map(|s| Some(s.step.as_str()))),
        ts(steps.iter().map(|s| Some(s.started_at))),
        ts(steps.iter().map(|s| Some(s.finished_at))),
        text(steps.iter().map(|s| s.actor.as_deref())),
        text(steps.iter().map(|s| s.resource.as_deref())),
    ];
    let t = || DataType::Timestamp(TimeUnit::Microsecond, None);
    let schema = Schema::new(vec![
        Field::new("source", DataType::Utf8, false),
        Field::new("run_id", DataType::Utf8, false),
        Field::new("seq", DataType::Int64, false),
        Field::new("step", DataType::Utf8, false),
        Field::new("started_at", t(), false),
        Field::new("finished_at", t(), false),
        Field::new("actor", DataType::Utf8, true),
        Field::new("resource", DataType::Utf8, true),
    ]);
    let batch = duckdb::arrow::record_batch::RecordBatch::try_new(Arc::new(schema), columns)
        .map_err(|e| StoreError::Shape(format!("steps: {e}")))?;
    let mut app = conn.appender("stage_steps")?;
    app.append_record_batch(batch)?;
    app.flush()?;
    Ok(())
}

/// Appends rows to a staging table, each as `append` writes it.
fn stage<T>(
    conn: &Connection,
    table: &str,
    rows: &[T],
    mut append: impl FnMut(&mut duckdb::Appender<'_>, &T) -> duckdb::Result<()>,
) -> Result<()> {
    let mut app = conn.appender(table)?;
    for row in rows {
        append(&mut app, row)?;
    }
    app.flush()?;
    Ok(())
}

/// Fails unless all `expected` rows were `stored`: a batch that lost rows on
/// the way is never committed (see queries/schema.sql on staging).
fn all_stored(expected: u64, stored: u64) -> Result<()> {
    if stored == expected {
        Ok(())
    } else {
        Err(StoreError::Incomplete { expected, stored })
    }
}

/// Writes a batch in the open transaction; returns what it did and the
/// identity hashes of its runs.
fn write_in_tx(conn: &Connection, b: &NewBatch<'_>) -> Result<(Written, Vec<u64>)> {
    let mut hashes = Vec::new();
    let rejected_rows = b.rejects.len() as i64;
    let batch_id: i64 = conn.query_row(
        BATCH_INSERT,
        params![
            b.kind.as_str(),
            b.origin,
            b.format,
            b.received_at,
            b.rows_read as i64,
            b.accepted as i64,
            0i64,
            0i64,
            rejected_rows
        ],
        |r| r.get(0),
    )?;
    conn.execute_batch(STAGE_CLEAR)?;
    let merge = match b.rows {
        Rows::Workflows(rows) => {
            stage(conn, "stage_workflows", rows, |app, w| {
                app.append_row(params![
                    w.workflow_id,
                    w.name,
                    w.owner,
                    w.team,
                    w.category,
                    w.hourly_cost,
                    w.currency,
                    w.sla_response_minutes,
                    w.sla_cycle_minutes,
                    w.automated_since,
                    w.baseline_minutes_per_item,
                    w.effective_from,
                    w.cost_per_run,
                    w.maintenance_hours_per_month,
                    w.outcomes
                ])
            })?;
            Merge::Versioned(WORKFLOWS_COUNT_CHANGED, WORKFLOWS_INSERT_STAGED)
        }
        Rows::Maps(rows) => {
            stage(conn, "stage_platform_map", rows, |app, m| {
                app.append_row(params![m.platform, m.platform_workflow, m.workflow_id])
            })?;
            Merge::Versioned(MAP_COUNT_CHANGED, MAP_INSERT_STAGED)
        }
        Rows::Runs(rows) => {
            hashes = runs::append_runs(conn, batch_id, RunChunk::new(rows)?)?;
            if b.steps.is_some() {
                // Before the merge, while every run of the input is in the batch.
                conn.execute(STEPS_DELETE_OF_BATCH_RUNS, params![batch_id])?;
            }
            Merge::VersionedRuns
        }
        Rows::Fx(rows) => {
            stage(conn, "stage_fx", rows, |app, f| {
                app.append_row(params![f.date, f.currency, f.to, f.rate])
            })?;
            Merge::Replace(FX_DELETE_STAGED, FX_INSERT_STAGED)
        }
        Rows::Baselines(rows) => {
            stage(conn, "stage_baselines", rows, |app, o| {
                app.append_row(params![
                    o.study,
                    o.workflow_id,
                    o.observed_at,
                    o.performer,
                    o.handle_minutes,
                    o.response_minutes,
                    o.cycle_minutes,
                    o.had_error,
                    o.note,
                    o.outcomes
                ])
            })?;
            Merge::Replace(BASELINES_DELETE_STAGED, BASELINES_INSERT_STAGED)
        }
        Rows::Steps(rows) => {
            stage_steps(conn, rows)?;
            Merge::Replace(STEPS_DELETE_STAGED_RUNS, STEPS_INSERT_STAGED)
        }
    };
    // Every appended row must be in staging before anything is merged. Runs
    // are not staged: merge_batch_runs checks them where they were appended.
    if !matches!(merge, Merge::VersionedRuns) {
        let staged: i64 = conn.query_row(STAGE_COUNT, [], |r| {
            (0..5).try_fold(0i64, |sum, i| Ok(sum + r.get::<_, i64>(i)?))
        })?;
        let staged = staged as u64;
        all_stored(b.rows.len() as u64, staged)?;
    }
    let (stored, replaced) = match merge {
        // The catalogue and the map are ledgers: new and changed rows become
        // versions, identical ones nothing.
        Merge::Versioned(count_changed, insert) => {
            let changed: i64 = conn.query_row(count_changed, [], |r| r.get(0))?;
            let stored = conn.execute(insert, params![batch_id, b.received_at])? as u64;
            (stored, changed as u64)
        }
        Merge::VersionedRuns => {
            // Rows were deduplicated before they were appended, so the merge finds no duplicates.
            let m = runs::merge_batch_runs(conn, batch_id, b.rows.len() as u64, Some(0))?;
            (m.stored, m.replaced)
        }
        Merge::Replace(delete, insert) => {
            let replaced = conn.execute(delete, [])? as u64;
            let stored = conn.execute(insert, params![batch_id])? as u64;
            all_stored(b.rows.len() as u64, stored)?;
            (stored, replaced)
        }
    };
    conn.execute(
        BATCH_SET_COUNTS,
        params![stored as i64, replaced as i64, batch_id],
    )?;
    if let (Some(steps), Rows::Runs(_)) = (b.steps, b.rows) {
        stage_steps(conn, steps)?;
        let staged: i64 = conn.query_row(STEPS_COUNT_STAGED, [], |r| r.get(0))?;
        all_stored(steps.len() as u64, staged as u64)?;
        let stored = conn.execute(STEPS_INSERT_STAGED, params![batch_id])?;
        all_stored(steps.len() as u64, stored as u64)?;
    }

    runs::append_rejects(conn, batch_id, b.kind, b.rejects)?;
    Ok((
        Written {
            batch_id,
            stored,
            replaced,
            unchanged: b.rows.len() as u64 - stored,
        },
        hashes,
    ))
}

#[cfg(test)]
mod tests {
    use super::open_reason;

    /// DuckDB's message for a file locked by another process (as the CLI
    /// printed it beside a running server) becomes one sentence naming it.
    #[test]
    fn a_lock_held_by_another_process_is_named_once() {
        let duckdb = "IO Error: Could not set lock on file \"/srv/yardstick-demo.duckdb\": \
                      Conflicting lock is held in /usr/local/bin/yardstick (PID 2324). See also \
                      https://duckdb.org/docs/current/connect/concurrency";
        let r = open_reason(duckdb);
        assert!(
            r.starts_with("another process holds it: /usr/local/bin/yardstick (PID 2324), "),
            "{r}"
        );
        assert!(r.contains("with --server URL"), "{r}");
        assert_eq!(
            open_reason("IO Error: No such file"),
            "IO Error: No such file"
        );
    }
}
