//! The lake: the store's tables as Parquet under a root (a directory, or an
//! `s3://` URL: see `object`), for an engine that reads files rather than the
//! DuckDB file (Spark through Spark Connect, or DuckDB itself on another node).
//!
//! Layout under the root:
//!
//! ```text
//! CURRENT                                  the committed snapshot's name (one line)
//! snapshots/<name>/MANIFEST.json           rows per table and bytes per file, written last
//! snapshots/<name>/runs/anchor_month=YYYYMM/*.parquet
//! snapshots/<name>/run_steps/*.parquet
//! snapshots/<name>/workflows/*.parquet
//! snapshots/<name>/baseline_observations/*.parquet
//! snapshots/<name>/ingest_batches/*.parquet
//! ```
//!
//! Runs are partitioned by the month of their anchor (`coalesce(trigger_at,
//! started_at)`, as an integer yyyymm), so a metric query for a period reads
//! only that period's months; within a month they are sorted by workflow, so
//! Parquet's row-group statistics skip the other workflows' rows. Every version
//! of every row is kept (batch ids, superseded batches), so reports as of a
//! past moment work on the lake as on the file.
//!
//! A publish writes a whole new snapshot beside the committed one, checks that
//! every table's row count arrived, writes the manifest, and only then replaces
//! `CURRENT` (in a directory by an atomic rename; in an object store by one
//! PUT, after the upload was listed back and checked file by file): a reader
//! sees the old snapshot or the new one, never a half-written one, and
//! publishing again after a re-ingest replaces the lake's contents, never adds
//! to them. The previous snapshot is kept (a query that started on it can
//! finish); older ones are removed. One publisher at a time: a publish removes
//! what it takes for a crashed publish's leftovers.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub mod object;

pub use object::ObjectRoot;

/// The tables of a snapshot, as directories of Parquet files.
pub const TABLES: [&str; 5] = [
    "runs",
    "run_steps",
    "workflows",
    "baseline_observations",
    "ingest_batches",
];

/// The manifest format this build writes. Format 1 (no file list) is still
/// read.
pub const FORMAT: u32 = 2;

/// What a snapshot holds: its name, the rows of each table and the bytes of
/// each file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub snapshot: String,
    /// When the snapshot was written (UTC, RFC 3339).
    pub published_at: String,
    pub rows: BTreeMap<String, u64>,
    /// Every Parquet file of the snapshot, by its path under the snapshot
    /// (`runs/anchor_month=202601/data_0.parquet`), with its size in bytes:
    /// what an upload or a copy is checked against.
    #[serde(default)]
    pub files: BTreeMap<String, u64>,
}

/// Why the lake cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    #[error("lake `{root}`: {source}")]
    Io {
        root: String,
        source: std::io::Error,
    },
    #[error("lake `{0}` has no committed snapshot (no CURRENT file): publish one with `yardstick lake publish --lake {0}`")]
    Empty(String),
    #[error("lake `{root}`: {reason}")]
    Bad { root: String, reason: String },
}

fn io(root: &Path) -> impl FnOnce(std::io::Error) -> LakeError + '_ {
    move |source| LakeError::Io {
        root: root.display().to_string(),
        source,
    }
}

/// Where a lake lives: a directory (local or a shared file system), or a
/// prefix in an S3-compatible object store.
#[derive(Clone)]
pub enum Root {
    Dir(PathBuf),
    Object(Arc<ObjectRoot>),
}

impl Root {
    /// Reads `--lake`: an `s3://bucket/prefix` (or `s3a://`) URL is an object
    /// store root, credentials and endpoint from the usual `AWS_*` variables;
    /// `file:///path` or a plain path is a directory. Any other scheme is an
    /// error that says what is supported.
    pub fn parse(text: &str) -> Result<Root, LakeError> {
        match text.split_once("://") {
            None => Ok(Root::Dir(PathBuf::from(text))),
            Some(("file", path)) => Ok(Root::Dir(PathBuf::from(path))),
            Some(("s3" | "s3a", _)) => Ok(Root::Object(Arc::new(ObjectRoot::parse(text)?))),
            Some((scheme, _)) => Err(LakeError::Bad {
                root: text.to_string(),
                reason: format!(
                    "`{scheme}://` is not a lake root this build reads: give a directory or an \
                     s3:// URL (AWS S3 or an S3-compatible store)"
                ),
            }),
        }
    }

    /// The committed snapshot's manifest (its `snapshot` is the name that
    /// `CURRENT` holds).
    pub fn current(&self) -> Result<Manifest, LakeError> {
        match self {
            Root::Dir(dir) => current(dir).map(|(_, m)| m),
            Root::Object(o) => o.current(),
        }
    }
}

impl std::fmt::Display for Root {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Root::Dir(dir) => write!(f, "{}", dir.display()),
            Root::Object(o) => f.write_str(o.url()),
        }
    }
}

impl From<&Path> for Root {
    fn from(dir: &Path) -> Root {
        Root::Dir(dir.to_path_buf())
    }
}

impl From<PathBuf> for Root {
    fn from(dir: PathBuf) -> Root {
        Root::Dir(dir)
    }
}

impl From<&Root> for Root {
    fn from(root: &Root) -> Root {
        root.clone()
    }
}

/// The snapshot name that a `CURRENT` file holds, checked.
fn snapshot_name(root: &str, text: &str) -> Result<String, LakeError> {
    let name = text.trim();
    if name.is_empty() || name.contains('/') || name.contains("..") || name.contains('\\') {
        return Err(LakeError::Bad {
            root: root.to_string(),
            reason: format!("CURRENT names `{name}`, which is not a snapshot name"),
        });
    }
    Ok(name.to_string())
}

/// A snapshot's MANIFEST.json, checked against the name CURRENT gave.
fn parse_manifest(root: &str, name: &str, bytes: &[u8]) -> Result<Manifest, LakeError> {
    let bad = |reason: String| LakeError::Bad {
        root: root.to_string(),
        reason: format!("snapshot {name}: MANIFEST.json: {reason}"),
    };
    let manifest: Manifest = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    if manifest.format == 0 || manifest.format > FORMAT {
        return Err(bad(format!(
            "format {} (this build reads 1 to {FORMAT}; a newer yardstick wrote it)",
            manifest.format
        )));
    }
    if manifest.snapshot != name {
        return Err(bad(format!(
            "it describes snapshot `{}`",
            manifest.snapshot
        )));
    }
    Ok(manifest)
}

/// The directory of the committed snapshot and its manifest.
pub fn current(root: &Path) -> Result<(PathBuf, Manifest), LakeError> {
    let shown = root.display().to_string();
    let name = match std::fs::read_to_string(root.join("CURRENT")) {
        Ok(s) => snapshot_name(&shown, &s)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(LakeError::Empty(shown)),
        Err(e) => return Err(io(root)(e)),
    };
    let dir = root.join("snapshots").join(&name);
    let bytes = std::fs::read(dir.join("MANIFEST.json")).map_err(io(root))?;
    let manifest = parse_manifest(&shown, &name, &bytes)?;
    Ok((dir, manifest))
}

/// Every file under a snapshot directory with its size, by its path under
/// the directory with `/` between the parts (the manifest's `files`).
pub fn files_of(dir: &Path) -> Result<BTreeMap<String, u64>, LakeError> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, u64>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let e = e?;
            let path = e.path();
            if e.file_type()?.is_dir() {
                walk(base, &path, out)?;
            } else {
                let rel = path.strip_prefix(base).expect("a path under its base");
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.insert(rel.join("/"), e.metadata()?.len());
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out).map_err(io(dir))?;
    out.remove("MANIFEST.json");
    Ok(out)
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Points a directory root's `CURRENT` at `name` by an atomic rename.
fn write_current(root: &Path, name: &str) -> Result<(), LakeError> {
    let tmp = root.join(format!("CURRENT.{name}.tmp"));
    write_synced(&tmp, format!("{name}\n").as_bytes()).map_err(io(root))?;
    std::fs::rename(&tmp, root.join("CURRENT")).map_err(io(root))?;
    if let Ok(d) = std::fs::File::open(root) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Removes every snapshot directory of a directory root but `keep`.
fn remove_snapshots_but(root: &Path, keep: &[&Path]) {
    if let Ok(entries) = std::fs::read_dir(root.join("snapshots")) {
        for e in entries.flatten() {
            let p = e.path();
            if !keep.contains(&p.as_path()) {
                let _ = std::fs::remove_dir_all(&p);
            }
        }
    }
}

/// A snapshot being written: its directory, not yet visible to readers.
pub struct Pending {
    root: PathBuf,
    pub name: String,
    pub dir: PathBuf,
}

/// Starts a snapshot under `root` (created if missing).
pub fn begin(root: &Path) -> Result<Pending, LakeError> {
    let name = format!(
        "{}-{:08x}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"),
        std::process::id()
    );
    let dir = root.join("snapshots").join(&name);
    std::fs::create_dir_all(&dir).map_err(io(root))?;
    Ok(Pending {
        root: root.to_path_buf(),
        name,
        dir,
    })
}

impl Pending {
    /// The directory of one table in this snapshot.
    pub fn table_dir(&self, table: &str) -> PathBuf {
        self.dir.join(table)
    }

    /// Makes the snapshot the committed one: writes its manifest, then points
    /// `CURRENT` at it by an atomic rename, then removes all but the previous
    /// snapshot.
    pub fn commit(self, manifest: &Manifest) -> Result<(), LakeError> {
        let root = self.root.as_path();
        let json = serde_json::to_vec_pretty(manifest).expect("a manifest serialises");
        write_synced(&self.dir.join("MANIFEST.json"), &json).map_err(io(root))?;
        let previous = current(root).ok().map(|(dir, _)| dir);
        write_current(root, &self.name)?;
        // Old snapshots: keep the one just replaced, remove the rest (and any
        // that a crashed publish left half-written).
        let mut keep = vec![self.dir.as_path()];
        keep.extend(previous.as_deref());
        remove_snapshots_but(root, &keep);
        Ok(())
    }

    /// Removes the unfinished snapshot; `CURRENT` is untouched.
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
