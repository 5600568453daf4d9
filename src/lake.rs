//! The lake: the store's tables as Parquet under a root directory, for an
//! engine that reads files rather than the DuckDB file (Spark through Spark
//! Connect, or DuckDB itself on another node).
//!
//! Layout under the root:
//!
//! ```text
//! CURRENT                                  the committed snapshot's name (one line)
//! snapshots/<name>/MANIFEST.json           row counts per table, written last
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
//! `CURRENT` by an atomic rename: a reader sees the old snapshot or the new one,
//! never a half-written one, and publishing again after a re-ingest replaces
//! the lake's contents, never adds to them. The previous snapshot is kept (a
//! query that started on it can finish); older ones are removed.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The tables of a snapshot, as directories of Parquet files.
pub const TABLES: [&str; 5] = [
    "runs",
    "run_steps",
    "workflows",
    "baseline_observations",
    "ingest_batches",
];

/// What a snapshot holds: its name and the rows of each table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub snapshot: String,
    /// When the snapshot was written (UTC, RFC 3339).
    pub published_at: String,
    pub rows: std::collections::BTreeMap<String, u64>,
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

/// The directory of the committed snapshot and its manifest.
pub fn current(root: &Path) -> Result<(PathBuf, Manifest), LakeError> {
    let pointer = root.join("CURRENT");
    let name = match std::fs::read_to_string(&pointer) {
        Ok(s) => s.trim().to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LakeError::Empty(root.display().to_string()))
        }
        Err(e) => return Err(io(root)(e)),
    };
    if name.is_empty() || name.contains('/') || name.contains("..") {
        return Err(LakeError::Bad {
            root: root.display().to_string(),
            reason: format!("CURRENT names `{name}`, which is not a snapshot name"),
        });
    }
    let dir = root.join("snapshots").join(&name);
    let text = std::fs::read_to_string(dir.join("MANIFEST.json")).map_err(io(root))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| LakeError::Bad {
        root: root.display().to_string(),
        reason: format!("snapshot {name}: MANIFEST.json: {e}"),
    })?;
    Ok((dir, manifest))
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
        let write_synced = |path: &Path, bytes: &[u8]| -> std::io::Result<()> {
            let mut f = std::fs::File::create(path)?;
            f.write_all(bytes)?;
            f.sync_all()
        };
        let json = serde_json::to_vec_pretty(manifest).expect("a manifest serialises");
        write_synced(&self.dir.join("MANIFEST.json"), &json).map_err(io(root))?;
        let previous = current(root).ok().map(|(dir, _)| dir);
        let tmp = root.join(format!("CURRENT.{}.tmp", self.name));
        write_synced(&tmp, format!("{}\n", self.name).as_bytes()).map_err(io(root))?;
        std::fs::rename(&tmp, root.join("CURRENT")).map_err(io(root))?;
        if let Ok(d) = std::fs::File::open(root) {
            let _ = d.sync_all();
        }
        // Old snapshots: keep the one just replaced, remove the rest (and any
        // that a crashed publish left half-written).
        if let Ok(entries) = std::fs::read_dir(root.join("snapshots")) {
            for e in entries.flatten() {
                let p = e.path();
                if p != self.dir && Some(&p) != previous.as_ref() {
                    let _ = std::fs::remove_dir_all(&p);
                }
            }
        }
        Ok(())
    }

    /// Removes the unfinished snapshot; `CURRENT` is untouched.
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
