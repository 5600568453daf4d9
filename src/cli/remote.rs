//! The command line beside a running server.
//!
//! DuckDB lets one process write a database file, so while `serve` or `demo`
//! holds it no other process can open it. `serve` therefore records where it
//! listens in a file beside the database (`FILE.server.json`, removed when it
//! stops), and a command on a file that a live server holds runs through that
//! server's API instead, printing what it would print and exiting as it would
//! exit had it opened the file itself. `--server URL` (`YARDSTICK_SERVER`)
//! reaches any server, and `YARDSTICK_TOKEN` is sent as its bearer token.
//!
//! A record whose process is gone (a server killed without its clean-up) is
//! stale: the next command says so, removes it and opens the file. The
//! commands that run through a server map their options to the query of
//! the route that answers the same question; the mapping lives beside each
//! command's own `run`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a running server writes beside its database file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// The serving process.
    pub pid: u32,
    /// Where it listens, e.g. `http://127.0.0.1:8080`.
    pub url: String,
    /// When it started (UTC).
    pub started_at: String,
    /// Whether it serves without tokens (`--open`, `demo`).
    pub open: bool,
    /// The Yardstick version serving.
    pub version: String,
}

/// The record of the server of `db`: the database file's name with
/// `.server.json` added, in the same folder.
pub fn record_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".server.json");
    PathBuf::from(p)
}

/// A server's record, written when it starts listening and removed when the
/// server stops (dropped): only if it is still this process's record.
pub struct Recorded {
    path: PathBuf,
}

impl Recorded {
    /// Records that this process serves `db` at `url`; written whole (a
    /// temporary file renamed into place), so a reader never sees half.
    pub fn write(db: &Path, url: &str, open: bool) -> anyhow::Result<Recorded> {
        let path = record_path(db);
        let record = Record {
            pid: std::process::id(),
            url: url.trim_end_matches('/').to_string(),
            started_at: crate::model::format_timestamp(chrono::Utc::now().naive_utc()),
            open,
            version: env!("CARGO_PKG_VERSION").to_string(),
        };
        let mut tmp = path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, serde_json::to_vec_pretty(&record)?)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| anyhow::anyhow!("cannot record the server in {}: {e}", path.display()))?;
        Ok(Recorded { path })
    }
}

impl Drop for Recorded {
    fn drop(&mut self) {
        if read_record(&self.path).is_some_and(|r| r.pid == std::process::id()) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn read_record(path: &Path) -> Option<Record> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// What the record beside a database file says.
pub enum Found {
    /// No record: no server has recorded itself on this file.
    Nothing,
    /// A server that answers.
    Live(Record),
    /// A record whose process is gone, or that no server answers for.
    Stale(Record, String),
}

/// Reads the record beside `db` and checks it: the process is alive (where
/// the system says, through `/proc`) and its address answers `/healthz`.
pub fn find(db: &Path) -> Found {
    let path = record_path(db);
    let Some(record) = read_record(&path) else {
        return Found::Nothing;
    };
    let proc_dir = Path::new("/proc");
    if proc_dir.is_dir() && !proc_dir.join(record.pid.to_string()).exists() {
        let why = format!("process {} is no longer running", record.pid);
        return Found::Stale(record, why);
    }
    let answered = client(Duration::from_secs(3))
        .and_then(|c| Ok(c.get(format!("{}/healthz", record.url)).send()?))
        .map(|r| r.status().is_success());
    match answered {
        Ok(true) => Found::Live(record),
        Ok(false) | Err(_) => {
            let why = format!("nothing answers at {}", record.url);
            Found::Stale(record, why)
        }
    }
}

/// Removes the stale record beside `db`, saying so on standard error.
pub fn remove_stale(db: &Path, record: &Record, why: &str) {
    let path = record_path(db);
    if std::fs::remove_file(&path).is_ok() {
        let _ = writeln!(
            std::io::stderr(),
            "note: removed {}, the record of a server that stopped without removing it \
             (pid {}, {}: {why})",
            path.display(),
            record.pid,
            record.url
        );
    }
}

fn client(timeout: Duration) -> anyhow::Result<reqwest::blocking::Client> {
    Ok(reqwest::blocking::Client::builder()
        .timeout(timeout)
        .build()?)
}

/// A server a command runs through.
pub struct Remote {
    url: String,
    token: Option<String>,
    http: reqwest::blocking::Client,
    /// How it was found, for messages: `the server (pid 12) of FILE` or `--server`.
    pub via: String,
}

/// An answer of the server: its status and body.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body)
            .map_err(|e| anyhow::anyhow!("the server's answer is not JSON: {e}"))
    }

    /// The first error detail of an error answer.
    pub fn detail(&self) -> Option<String> {
        let v: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        v["errors"][0]["detail"].as_str().map(str::to_string)
    }
}

/// A query: (key, value) pairs, a key repeated for each value it takes.
pub type Query = Vec<(&'static str, String)>;

/// Adds `key=value` when `value` is given.
pub fn opt(q: &mut Query, key: &'static str, value: &Option<String>) {
    if let Some(v) = value {
        q.push((key, v.clone()));
    }
}

impl Remote {
    /// A server at `url`; the token from `YARDSTICK_TOKEN`.
    pub fn new(url: &str, via: String) -> anyhow::Result<Remote> {
        let url = url.trim_end_matches('/').to_string();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            anyhow::bail!("--server `{url}` is not an http:// or https:// address");
        }
        Ok(Remote {
            url,
            token: std::env::var("YARDSTICK_TOKEN")
                .ok()
                .filter(|t| !t.trim().is_empty()),
            // Reports over 10 million runs take seconds, an ingest of a large file minutes.
            http: client(Duration::from_secs(3600))?,
            via,
        })
    }

    /// `GET path?query`, the answer current (never a kept one computed
    /// before the latest write): an error status is the command's failure.
    pub fn get(&self, path: &str, query: &Query) -> anyhow::Result<Answer> {
        let a = self.send(reqwest::Method::GET, path, query, None)?;
        self.checked(a)
    }

    /// `POST path?query` with a body of `content_type`; the answer whatever
    /// its status (an ingest's refusal carries its report).
    pub fn post(
        &self,
        path: &str,
        query: &Query,
        body: Option<(&str, Vec<u8>)>,
    ) -> anyhow::Result<Answer> {
        self.send(reqwest::Method::POST, path, query, body)
    }

    fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &Query,
        body: Option<(&str, Vec<u8>)>,
    ) -> anyhow::Result<Answer> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .query(query)
            .header(reqwest::header::CACHE_CONTROL, "no-cache");
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some((ct, bytes)) = body {
            req = req.header(reqwest::header::CONTENT_TYPE, ct).body(bytes);
        }
        let resp = req
            .send()
            .map_err(|e| anyhow::anyhow!("cannot reach {} at {}: {e}", self.via, self.url))?;
        let status = resp.status().as_u16();
        let body = resp
            .bytes()
            .map_err(|e| anyhow::anyhow!("reading the answer of {}: {e}", self.url))?
            .to_vec();
        Ok(Answer { status, body })
    }

    /// The answer when it succeeded; else the failure it names.
    pub fn checked(&self, a: Answer) -> anyhow::Result<Answer> {
        if (200..300).contains(&a.status) {
            return Ok(a);
        }
        Err(self.failure(&a))
    }

    /// An error answer as the command's failure, in the words the command
    /// would use had it opened the file (the server's detail), with what to
    /// do about a missing or weak token.
    pub fn failure(&self, a: &Answer) -> anyhow::Error {
        let detail = a
            .detail()
            .unwrap_or_else(|| String::from_utf8_lossy(&a.body).trim().to_string());
        let m = match a.status {
            401 => format!(
                "{} at {} needs a token: set YARDSTICK_TOKEN to one (`yardstick token create \
                 --role viewer|ingester|admin --name NAME`, on the file before the server starts) \
                 ({detail})",
                self.via, self.url
            ),
            403 => format!(
                "{detail} ({} at {}: the token in YARDSTICK_TOKEN does not have the role this needs)",
                self.via, self.url
            ),
            _ => detail,
        };
        anyhow::anyhow!(m)
    }
}
