//! A lake root in an object store (`s3://`): the commit without a rename, the
//! clean-up, DuckDB reading it through its checked local mirror, and the
//! reports it gives equal to the file's.
//!
//! Two stores: `object_store`'s in-memory one, for the cases that need the
//! store's objects changed by hand (a half-finished upload, a damaged file);
//! and a real S3 protocol peer, moto's server (`.ci/object-store`, installed
//! into a virtual environment on first use), driven through the command line
//! as a user would, with the `AWS_*` variables. Without python3 the moto test
//! fails and says so, unless `YARDSTICK_SKIP_S3=1` is set (local runs only; CI
//! never sets it).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use futures_util::TryStreamExt;
use object_store::memory::InMemory;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use yardstick::lake::{LakeError, ObjectRoot, Root};
use yardstick::model::Kind;
use yardstick::store::Store;

use crate::lake::reports;
use crate::{dir_names, fixture, golden_store, ingest_file};

fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

/// Every object key under `prefix`, with its size.
fn objects(store: &InMemory, prefix: &str) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = block(
        store
            .list(Some(&ObjectPath::from(prefix)))
            .map_ok(|o| (o.location.to_string(), o.size))
            .try_collect::<Vec<_>>(),
    )
    .unwrap();
    v.sort();
    v
}

fn snapshots(store: &InMemory) -> BTreeSet<String> {
    objects(store, "lakes/acme/snapshots")
        .into_iter()
        .map(|(k, _)| k.split('/').nth(3).unwrap().to_string())
        .collect()
}

fn mirrored(cache: &Path) -> BTreeSet<String> {
    dir_names(&cache.join("memory___test_lakes_acme/snapshots"))
}

/// The error of opening the lake through the mirror in `cache`, which must fail.
#[track_caller]
fn mirror_error(root: &Root, cache: &Path) -> String {
    match Store::open_lake_cached(root, cache) {
        Ok(_) => panic!("the mirror opened"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn an_object_store_lake_commits_whole_snapshots_and_duckdb_reads_a_checked_mirror() {
    let store = golden_store();
    ingest_file(&store, Kind::Runs, "golden/runs_batch2.ndjson");
    let mem = Arc::new(InMemory::new());
    // Parts of 1 KiB, so the golden files take the multipart upload path.
    let object = ObjectRoot::new(mem.clone(), "memory://test", "/lakes/acme/")
        .unwrap()
        .with_part_bytes(1024);
    assert_eq!(object.url(), "memory://test/lakes/acme");
    let root = Root::Object(Arc::new(object));
    assert!(
        matches!(root.current(), Err(LakeError::Empty(_))),
        "an empty prefix has no snapshot"
    );
    let first = store.publish_lake(&root).unwrap();
    assert_eq!(root.current().unwrap(), first);
    // Every file of the manifest arrived whole, under the prefix.
    let stored = objects(&mem, "lakes/acme");
    let base = format!("lakes/acme/snapshots/{}/", first.snapshot);
    for (rel, size) in &first.files {
        assert!(
            stored.contains(&(format!("{base}{rel}"), *size)),
            "{rel} ({size} bytes) in {stored:?}"
        );
    }
    assert!(
        first.files.values().any(|&s| s > 2048),
        "a file of several parts: {first:?}"
    );
    assert!(first
        .files
        .keys()
        .any(|f| f.starts_with("runs/anchor_month=202601/")));
    assert_eq!(
        stored.len(),
        first.files.len() + 2,
        "the files, the manifest and CURRENT: {stored:?}"
    );
    // DuckDB reads the committed snapshot through its mirror, and gives the
    // file's reports to the bit.
    let cache = tempfile::tempdir().unwrap();
    let on_lake = Store::open_lake_cached(&root, cache.path()).unwrap();
    assert_eq!(reports(&store, &store), reports(&store, &on_lake));
    drop(on_lake);
    // Publishing again after a re-ingest that stored nothing holds the same
    // rows; the replaced snapshot is kept, an older one removed.
    ingest_file(&store, Kind::Runs, "golden/runs_batch2.ndjson");
    let second = store.publish_lake(&root).unwrap();
    assert_eq!(second.rows["runs"], first.rows["runs"]);
    let third = store.publish_lake(&root).unwrap();
    assert_eq!(
        snapshots(&mem),
        BTreeSet::from([second.snapshot.clone(), third.snapshot.clone()])
    );
    // An upload that stopped half-way (objects under a snapshot name, no
    // manifest, CURRENT untouched) is never read, and the next publish
    // removes it.
    block(mem.put(
        &ObjectPath::from("lakes/acme/snapshots/20990101T000000.000000Z-00000001/runs/x.parquet"),
        PutPayload::from_static(b"half"),
    ))
    .unwrap();
    assert_eq!(root.current().unwrap(), third);
    let on_lake = Store::open_lake_cached(&root, cache.path()).unwrap();
    assert_eq!(reports(&store, &store), reports(&store, &on_lake));
    assert_eq!(
        mirrored(cache.path()),
        BTreeSet::from([first.snapshot.clone(), third.snapshot.clone()]),
        "the mirror keeps the copy it replaced"
    );
    // A snapshot is copied once: with one of its objects gone from the store,
    // the mirror still opens.
    let (victim, _) = third.files.iter().next().unwrap();
    block(mem.delete(&ObjectPath::from(format!(
        "lakes/acme/snapshots/{}/{victim}",
        third.snapshot
    ))))
    .unwrap();
    Store::open_lake_cached(&root, cache.path()).unwrap();
    let fourth = store.publish_lake(&root).unwrap();
    assert_eq!(
        snapshots(&mem),
        BTreeSet::from([third.snapshot.clone(), fourth.snapshot.clone()]),
        "the half upload is gone"
    );
    // A damaged object (fewer bytes than the manifest says) is not mirrored:
    // the error names it, and nothing half-copied stays behind.
    let (rel, size) = fourth.files.iter().last().unwrap();
    let key = format!("lakes/acme/snapshots/{}/{rel}", fourth.snapshot);
    block(mem.put(
        &ObjectPath::from(key.as_str()),
        PutPayload::from_static(b"PAR1"),
    ))
    .unwrap();
    let e = mirror_error(&root, cache.path());
    assert!(
        e.contains(&format!("{rel} has 4 bytes, the manifest says {size}")),
        "{e}"
    );
    assert_eq!(
        mirrored(cache.path()),
        BTreeSet::from([first.snapshot.clone(), third.snapshot.clone()])
    );
    // A manifest naming a file outside its snapshot is refused before
    // anything is written.
    let mut evil = fourth.clone();
    evil.files = [("../../escaped.parquet".to_string(), 4)].into();
    block(mem.put(
        &ObjectPath::from(
            format!("lakes/acme/snapshots/{}/MANIFEST.json", fourth.snapshot).as_str(),
        ),
        PutPayload::from(serde_json::to_vec(&evil).unwrap()),
    ))
    .unwrap();
    let e = mirror_error(&root, cache.path());
    assert!(
        e.contains("`../../escaped.parquet` is not a path under the snapshot"),
        "{e}"
    );
    assert!(!cache.path().join("escaped.parquet").exists());
}

#[test]
fn a_lake_root_is_a_directory_or_an_s3_url() {
    assert!(matches!(Root::parse("lake").unwrap(), Root::Dir(d) if d == Path::new("lake")));
    assert!(
        matches!(Root::parse("file:///srv/lake").unwrap(), Root::Dir(d) if d == Path::new("/srv/lake"))
    );
    let s3 = Root::parse("s3://bucket/some/prefix/").unwrap();
    assert_eq!(s3.to_string(), "s3://bucket/some/prefix");
    let e = Root::parse("gs://bucket/lake").err().unwrap().to_string();
    assert!(
        e.contains("`gs://` is not a lake root this build reads"),
        "{e}"
    );
    let e = Root::parse("s3:///lake").err().unwrap().to_string();
    assert!(e.contains("names no bucket"), "{e}");
}

/// The access key and secret the tests give moto (which takes any).
pub(crate) const KEY: &str = "yardstick";

/// moto's S3 server on a free loopback port, stopped when dropped.
pub(crate) struct Moto {
    pub(crate) endpoint: String,
    env: Vec<(&'static str, String)>,
    _state: tempfile::TempDir,
}

impl Moto {
    /// A lake root under `prefix` of a new `bucket` on this server,
    /// configured in code (no `AWS_*` variables).
    pub(crate) fn root(&self, bucket: &str, prefix: &str) -> Root {
        ureq::put(&format!("{}/{bucket}", self.endpoint))
            .send_empty()
            .unwrap();
        let s3 = object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_bucket_name(bucket)
            .with_access_key_id(KEY)
            .with_secret_access_key(KEY)
            .with_region("us-east-1")
            .build()
            .unwrap();
        Root::Object(Arc::new(
            ObjectRoot::new(Arc::new(s3), &format!("s3://{bucket}"), prefix).unwrap(),
        ))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = crate::ci_script("object-store", "stop", &self.env);
    }
}

pub(crate) fn moto() -> Option<Moto> {
    if std::env::var_os("YARDSTICK_SKIP_S3").is_some() {
        return None;
    }
    let state = tempfile::tempdir().unwrap();
    let port = crate::free_port();
    let env = vec![
        ("S3_STATE", state.path().display().to_string()),
        ("S3_PORT", port.to_string()),
    ];
    let out = crate::ci_script("object-store", "start", &env);
    let endpoint = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    let moto = Moto {
        endpoint,
        env,
        _state: state,
    };
    assert!(
        out.status.success() && moto.endpoint.starts_with("http://"),
        "the S3 server did not start (it needs python3; YARDSTICK_SKIP_S3=1 skips this \
         test): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(moto)
}

/// The binary, with S3 credentials and the endpoint of `moto`.
fn yardstick(moto: &Moto, db: &Path, cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yardstick"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("AWS_ENDPOINT", &moto.endpoint)
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SECRET_ACCESS_KEY", KEY)
        .env("AWS_REGION", "us-east-1")
        .env("YARDSTICK_LAKE_CACHE", cache)
        .output()
        .expect("the binary runs")
}

#[track_caller]
fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn publish_to_s3_and_report_from_it_on_the_command_line() {
    let Some(moto) = moto() else {
        eprintln!("YARDSTICK_SKIP_S3 is set: the S3 test is skipped");
        return;
    };
    // moto takes a bucket made by a plain PUT.
    ureq::put(&format!("{}/yardstick-test", moto.endpoint))
        .send_empty()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.duckdb");
    let cache = dir.path().join("cache");
    let lake = "s3://yardstick-test/tenants/acme";
    for (kind, file) in [
        ("workflows", "golden/workflows.csv"),
        ("baselines", "golden/baselines.csv"),
        ("runs", "golden/runs.csv"),
    ] {
        let f = fixture(file).display().to_string();
        ok(&yardstick(&moto, &db, &cache, &["ingest", kind, &f]));
    }
    let show = ["--lake", lake, "lake", "show"];
    let out = yardstick(&moto, &db, &cache, &show);
    assert_eq!(out.status.code(), Some(1));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("no committed snapshot"), "{e}");
    let published: serde_json::Value = serde_json::from_str(&ok(&yardstick(
        &moto,
        &db,
        &cache,
        &["--lake", lake, "lake", "publish"],
    )))
    .unwrap();
    assert_eq!(published["rows"]["runs"], 17);
    assert_eq!(published["format"], 2);
    let shown: serde_json::Value =
        serde_json::from_str(&ok(&yardstick(&moto, &db, &cache, &show))).unwrap();
    assert_eq!(shown, published);
    // The objects are where the layout says, listed by the server itself.
    let listing = ureq::get(&format!(
        "{}/yardstick-test?list-type=2&prefix=tenants/acme/",
        moto.endpoint
    ))
    .call()
    .unwrap()
    .into_body()
    .read_to_string()
    .unwrap();
    let name = published["snapshot"].as_str().unwrap();
    assert!(
        listing.contains("<Key>tenants/acme/CURRENT</Key>"),
        "{listing}"
    );
    assert!(
        listing.contains(&format!(
            "<Key>tenants/acme/snapshots/{name}/runs/anchor_month=202601/"
        )),
        "{listing}"
    );
    // DuckDB on the S3 lake prints what DuckDB on the file prints, from a
    // database that never saw the data.
    let report = ["report", "metrics", "--format", "csv"];
    let file = ok(&yardstick(&moto, &db, &cache, &report));
    let mut args = vec!["--engine", "duckdb-lake", "--lake", lake];
    args.extend(report);
    let unused = dir.path().join("unused.duckdb");
    assert_eq!(ok(&yardstick(&moto, &unused, &cache, &args)), file);
    assert!(file.starts_with("workflow_id,runs,"));
    // A bucket that is not there is an error that names the lake, not an
    // empty lake.
    let out = yardstick(
        &moto,
        &unused,
        &cache,
        &["--lake", "s3://no-such-bucket/x", "lake", "show"],
    );
    assert_eq!(out.status.code(), Some(1));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("s3://no-such-bucket/x") && !e.contains("no committed snapshot"),
        "{e}"
    );
}
