//! A lake root in an object store: `s3://bucket/prefix` on AWS S3 or any
//! S3-compatible service (MinIO, Ceph, R2, ...), with the directory layout of
//! `crate::lake` under the prefix, written and read through the
//! `object_store` crate. Credentials, region and endpoint come from the usual
//! `AWS_*` variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_REGION`, `AWS_ENDPOINT`, `AWS_ALLOW_HTTP=true` for a plain-HTTP
//! endpoint).
//!
//! An object store has no rename, so the commit differs from a directory's: a
//! snapshot is staged on local disk by DuckDB's COPY, every file is uploaded
//! under `snapshots/<name>/`, the upload is listed back and checked file by
//! file against the manifest's sizes, the manifest is written, and only then
//! is `CURRENT` replaced, by a single PUT (atomic on S3: a reader gets the old
//! object or the new one). Readers always start at `CURRENT`, so an upload that
//! stops half-way is never seen, and the next publish removes it.
//!
//! DuckDB reads such a lake through a local mirror of the committed snapshot
//! (`mirror`), copied once per snapshot and checked against the manifest: the
//! bundled DuckDB is built without its httpfs extension. Spark reads the
//! objects itself, through the cluster's own S3 connector.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::io::AsyncReadExt;
use tokio::io::AsyncWriteExt;

use super::{io, parse_manifest, snapshot_name, LakeError, Manifest};

/// Files larger than this are uploaded in parts of this size (S3 takes parts
/// of 5 MiB to 5 GiB).
const PART_BYTES: usize = 16 * 1024 * 1024;

/// Parts of one file in flight at once.
const PARTS_IN_FLIGHT: usize = 4;

/// A lake under a prefix of an object store.
pub struct ObjectRoot {
    /// `s3://bucket/prefix`, without a trailing slash: what messages show.
    url: String,
    store: Arc<dyn ObjectStore>,
    prefix: String,
    part_bytes: usize,
}

/// The runtime every object store call runs on. One for the process, so the
/// HTTP client's pooled connections stay with the runtime that made them.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("yardstick-object-store")
            .enable_all()
            .build()
            .expect("a tokio runtime for the object store")
    })
}

/// Runs the future that `make` makes to its end on the object store's
/// runtime, from a thread of its own, so it works from any thread, also one
/// inside another runtime (the HTTP server's blocking pool, a test).
fn block_on<F: Future>(make: impl FnOnce() -> F + Send) -> F::Output
where
    F::Output: Send,
{
    std::thread::scope(|s| {
        s.spawn(|| runtime().block_on(make()))
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

impl ObjectRoot {
    /// An `s3://bucket/prefix` (or `s3a://`) root, configured from the
    /// `AWS_*` variables.
    pub fn parse(url: &str) -> Result<ObjectRoot, LakeError> {
        let bad = |reason: String| LakeError::Bad {
            root: url.to_string(),
            reason,
        };
        let rest = url
            .strip_prefix("s3://")
            .or_else(|| url.strip_prefix("s3a://"))
            .ok_or_else(|| bad("not an s3:// URL".into()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad("the URL names no bucket (s3://BUCKET/PREFIX)".into()));
        }
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|e| bad(format!("cannot set up the S3 client: {e}")))?;
        ObjectRoot::new(Arc::new(store), &format!("s3://{bucket}"), prefix)
    }

    /// A root under `prefix` of any object store (an in-memory one in tests);
    /// `base` is the store's URL as messages show it.
    pub fn new(
        store: Arc<dyn ObjectStore>,
        base: &str,
        prefix: &str,
    ) -> Result<ObjectRoot, LakeError> {
        let prefix = prefix.trim_matches('/').to_string();
        let url = if prefix.is_empty() {
            base.to_string()
        } else {
            format!("{base}/{prefix}")
        };
        ObjectPath::parse(&prefix).map_err(|e| LakeError::Bad {
            root: url.clone(),
            reason: format!("the prefix is not an object path: {e}"),
        })?;
        Ok(ObjectRoot {
            url,
            store,
            prefix,
            part_bytes: PART_BYTES,
        })
    }

    /// Uploads files larger than `bytes` in parts of `bytes` (tests use small
    /// parts to exercise the multipart path).
    pub fn with_part_bytes(mut self, bytes: usize) -> ObjectRoot {
        self.part_bytes = bytes.max(1);
        self
    }

    /// The root as `s3://bucket/prefix`.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn bad(&self, reason: impl Into<String>) -> LakeError {
        LakeError::Bad {
            root: self.url.clone(),
            reason: reason.into(),
        }
    }

    fn store_error(&self, what: &str) -> impl FnOnce(object_store::Error) -> LakeError + '_ {
        let what = what.to_string();
        move |e| self.bad(format!("{what}: {e}"))
    }

    /// The object path of `rel` (a path under the root, parts joined by `/`).
    fn key(&self, rel: &str) -> ObjectPath {
        let full = if self.prefix.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.prefix)
        };
        ObjectPath::from(full.as_str())
    }

    async fn get(&self, rel: &str) -> Result<Option<Vec<u8>>, LakeError> {
        match self.store.get(&self.key(rel)).await {
            Ok(r) => Ok(Some(
                r.bytes()
                    .await
                    .map_err(self.store_error(&format!("reading {rel}")))?
                    .to_vec(),
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.store_error(&format!("reading {rel}"))(e)),
        }
    }

    async fn put(&self, rel: &str, bytes: Vec<u8>) -> Result<(), LakeError> {
        self.store
            .put(&self.key(rel), PutPayload::from(bytes))
            .await
            .map_err(self.store_error(&format!("writing {rel}")))?;
        Ok(())
    }

    /// Every object under `rel`, by its path under `rel`, with its size.
    async fn list(&self, rel: &str) -> Result<BTreeMap<String, u64>, LakeError> {
        let base = self.key(rel);
        let objects: Vec<_> = self
            .store
            .list(Some(&base))
            .try_collect()
            .await
            .map_err(self.store_error(&format!("listing {rel}")))?;
        let lead = format!("{}/", base.as_ref());
        Ok(objects
            .into_iter()
            .filter_map(|o| {
                let under = o.location.as_ref().strip_prefix(&lead)?.to_string();
                Some((under, o.size))
            })
            .collect())
    }

    /// The snapshot names under `snapshots/` (committed or not).
    async fn snapshot_names(&self) -> Result<Vec<String>, LakeError> {
        let listed = self
            .store
            .list_with_delimiter(Some(&self.key("snapshots")))
            .await
            .map_err(self.store_error("listing snapshots"))?;
        Ok(listed
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_string))
            .collect())
    }

    async fn remove(&self, rel: &str) -> Result<(), LakeError> {
        for under in self.list(rel).await?.into_keys() {
            let key = self.key(&format!("{rel}/{under}"));
            match self.store.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(self.store_error(&format!("removing {rel}/{under}"))(e)),
            }
        }
        Ok(())
    }

    async fn current_async(&self) -> Result<Manifest, LakeError> {
        let Some(text) = self.get("CURRENT").await? else {
            // No CURRENT: an empty lake, or a bucket that is not there (which
            // a listing reports as such, unlike a missing object).
            let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
            self.store
                .list_with_delimiter(prefix.as_ref())
                .await
                .map_err(self.store_error("listing the root"))?;
            return Err(LakeError::Empty(self.url.clone()));
        };
        let name = snapshot_name(&self.url, &String::from_utf8_lossy(&text))?;
        let bytes = self
            .get(&format!("snapshots/{name}/MANIFEST.json"))
            .await?
            .ok_or_else(|| {
                self.bad(format!(
                    "CURRENT names snapshot {name}, which has no MANIFEST.json"
                ))
            })?;
        parse_manifest(&self.url, &name, &bytes)
    }

    /// The committed snapshot's manifest.
    pub fn current(&self) -> Result<Manifest, LakeError> {
        block_on(|| self.current_async())
    }

    async fn upload(&self, file: &Path, rel: &str) -> Result<(), LakeError> {
        let shown = file.display().to_string();
        let local = |e: std::io::Error| self.bad(format!("reading {shown}: {e}"));
        let size = tokio::fs::metadata(file).await.map_err(local)?.len();
        if size <= self.part_bytes as u64 {
            let bytes = tokio::fs::read(file).await.map_err(local)?;
            return self.put(rel, bytes).await;
        }
        let upload = self
            .store
            .put_multipart(&self.key(rel))
            .await
            .map_err(self.store_error(&format!("starting the upload of {rel}")))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_bytes);
        let mut f = tokio::fs::File::open(file).await.map_err(local)?;
        let mut buf = vec![0u8; self.part_bytes];
        let sent: Result<(), LakeError> = async {
            loop {
                let n = f.read(&mut buf).await.map_err(local)?;
                if n == 0 {
                    return Ok(());
                }
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(self.store_error(&format!("uploading {rel}")))?;
                writer.write(&buf[..n]);
            }
        }
        .await;
        match sent {
            Ok(()) => {
                writer
                    .finish()
                    .await
                    .map_err(self.store_error(&format!("finishing the upload of {rel}")))?;
                Ok(())
            }
            Err(e) => {
                let _ = writer.abort().await;
                Err(e)
            }
        }
    }

    /// Commits the snapshot staged in the local directory `dir`, as
    /// `manifest` describes it: uploads every file of `manifest.files`, lists
    /// the upload back and checks each file's size, writes the manifest, then
    /// replaces `CURRENT`. Removes all snapshots but the new and the previous
    /// one. An upload that fails is removed again; `CURRENT` is untouched.
    pub fn commit(&self, dir: &Path, manifest: &Manifest) -> Result<(), LakeError> {
        block_on(|| async {
            let name = &manifest.snapshot;
            let base = format!("snapshots/{name}");
            let uploaded: Result<(), LakeError> = async {
                for rel in manifest.files.keys() {
                    self.upload(&dir.join(rel), &format!("{base}/{rel}"))
                        .await?;
                }
                let listed = self.list(&base).await?;
                for (rel, size) in &manifest.files {
                    match listed.get(rel) {
                        Some(s) if s == size => {}
                        Some(s) => {
                            return Err(self.bad(format!(
                                "snapshot {name}: {rel} arrived with {s} bytes of {size}"
                            )))
                        }
                        None => {
                            return Err(self.bad(format!("snapshot {name}: {rel} did not arrive")))
                        }
                    }
                }
                let json = serde_json::to_vec_pretty(manifest).expect("a manifest serialises");
                self.put(&format!("{base}/MANIFEST.json"), json).await
            }
            .await;
            if let Err(e) = uploaded {
                let _ = self.remove(&base).await;
                return Err(e);
            }
            let previous = match self.get("CURRENT").await {
                Ok(Some(text)) => Some(String::from_utf8_lossy(&text).trim().to_string()),
                _ => None,
            };
            self.put("CURRENT", format!("{name}\n").into_bytes())
                .await?;
            for old in self.snapshot_names().await.unwrap_or_default() {
                if &old != name && Some(&old) != previous.as_ref() {
                    let _ = self.remove(&format!("snapshots/{old}")).await;
                }
            }
            Ok(())
        })
    }

    /// The committed snapshot as a directory lake under `cache` (in a folder
    /// of its own per root URL), for DuckDB: copied the first time a snapshot
    /// is asked for, each file checked against the manifest's size, and made
    /// visible by the same atomic rename as a directory commit. When the copy
    /// moves to a new snapshot it keeps the one it replaces and removes older
    /// ones. Returns the local root.
    pub fn mirror(&self, cache: &Path) -> Result<PathBuf, LakeError> {
        let folder: String = self
            .url
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let root = cache.join(folder);
        block_on(|| async {
            let manifest = self.current_async().await?;
            let name = &manifest.snapshot;
            let done = root.join("snapshots").join(name);
            if !done.join("MANIFEST.json").is_file() {
                let base = format!("snapshots/{name}");
                // A format-1 manifest lists no files: take the listing.
                let files = if manifest.files.is_empty() {
                    let mut listed = self.list(&base).await?;
                    listed.remove("MANIFEST.json");
                    listed
                } else {
                    manifest.files.clone()
                };
                let partial = root
                    .join("snapshots")
                    .join(format!("{name}.partial-{}", std::process::id()));
                let copied = self.download(&base, &files, &partial).await;
                let finished = copied.and_then(|()| {
                    let json = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
                    super::write_synced(&partial.join("MANIFEST.json"), &json)
                        .map_err(io(&root))?;
                    match std::fs::rename(&partial, &done) {
                        Ok(()) => Ok(()),
                        // Another process copied the same snapshot first.
                        Err(_) if done.join("MANIFEST.json").is_file() => {
                            let _ = std::fs::remove_dir_all(&partial);
                            Ok(())
                        }
                        Err(e) => Err(io(&root)(e)),
                    }
                });
                if let Err(e) = finished {
                    let _ = std::fs::remove_dir_all(&partial);
                    return Err(e);
                }
            }
            // The copy moves on only when the lake did: then the copy it
            // replaces is kept (a reader may still be on it), older ones go.
            let previous = super::current(&root).ok().map(|(dir, _)| dir);
            if previous.as_deref() != Some(done.as_path()) {
                super::write_current(&root, name)?;
                let mut keep = vec![done.as_path()];
                keep.extend(previous.as_deref());
                super::remove_snapshots_but(&root, &keep);
            }
            Ok(root.clone())
        })
    }

    async fn download(
        &self,
        base: &str,
        files: &BTreeMap<String, u64>,
        into: &Path,
    ) -> Result<(), LakeError> {
        for (rel, size) in files {
            // The names come from the lake: none may lead out of the copy.
            if rel
                .split('/')
                .any(|p| p.is_empty() || p == "." || p == "..")
            {
                return Err(self.bad(format!("{base}: `{rel}` is not a path under the snapshot")));
            }
            let target = into.join(rel);
            let local = |e: std::io::Error| self.bad(format!("writing {}: {e}", target.display()));
            tokio::fs::create_dir_all(target.parent().expect("a file in a folder"))
                .await
                .map_err(local)?;
            let got = self
                .store
                .get(&self.key(&format!("{base}/{rel}")))
                .await
                .map_err(self.store_error(&format!("reading {base}/{rel}")))?;
            let mut stream = got.into_stream();
            let mut f = tokio::fs::File::create(&target).await.map_err(local)?;
            let mut written = 0u64;
            while let Some(chunk) = stream
                .try_next()
                .await
                .map_err(self.store_error(&format!("reading {base}/{rel}")))?
            {
                f.write_all(&chunk).await.map_err(local)?;
                written += chunk.len() as u64;
            }
            f.sync_all().await.map_err(local)?;
            if written != *size {
                return Err(self.bad(format!(
                    "{base}/{rel} has {written} bytes, the manifest says {size}"
                )));
            }
        }
        Ok(())
    }
}

/// Where `mirror` copies object store lakes for DuckDB:
/// `$YARDSTICK_LAKE_CACHE`, else `$XDG_CACHE_HOME/yardstick/lake`, else
/// `~/.cache/yardstick/lake`, else the temporary directory's.
pub fn mirror_cache() -> PathBuf {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("YARDSTICK_LAKE_CACHE")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("yardstick/lake")))
        .or_else(|| var("HOME").map(|d| d.join(".cache/yardstick/lake")))
        .unwrap_or_else(|| std::env::temp_dir().join("yardstick-lake"))
}
