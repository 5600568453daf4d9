//! Group commit for runs pushed one at a time (an automation platform's
//! webhook posting every finished execution).
//!
//! Each post is handed to one writer thread with a channel for its answer.
//! The writer takes every post waiting when it is free (up to
//! [`MAX_GROUP`]), reads and validates them, and stores the accepted runs and
//! the rejects of all of them as one batch in one transaction, with the
//! answers of the posts that carried an `Idempotency-Key`. Only after that
//! transaction commits is any post of the group answered, so an answer that
//! says "stored" still means durable; if the transaction fails, every post of
//! the group gets the failure and nothing of it is stored.
//!
//! A post's answer is its own: a rejected run gets its reasons, and the other
//! runs of its group are stored as if it had not been sent. Two posts of the
//! same run (or the same Idempotency-Key) never share a group: the later one
//! waits for the next, so each is a version of its own, as when they are sent
//! one after another.

use std::collections::{HashSet, VecDeque};
use std::sync::mpsc;

use super::{now, read, reject_lines, validate, Format, IngestError, Report};
use crate::model::{Kind, Reject, Run};
use crate::store::{RunBatchMeta, RunChunk, Store};

/// The most posts stored in one transaction.
pub const MAX_GROUP: usize = 4096;

/// One pushed run.
#[derive(Debug)]
pub struct Post {
    /// The request body: one JSON object.
    pub body: Vec<u8>,
    /// A name for the input (`http` unless the request gave one).
    pub origin: String,
    /// Store nothing if the run is rejected.
    pub strict: bool,
    /// The request's Idempotency-Key with its route and the body's SHA-256.
    pub idempotency: Option<Keyed>,
}

/// The idempotency of a keyed post.
#[derive(Debug, Clone)]
pub struct Keyed {
    pub key: String,
    pub route: String,
    pub body_sha256: String,
}

/// What became of a post.
#[derive(Debug)]
pub enum Outcome {
    /// Read and stored (or, with `strict`, refused): its report; 202 when
    /// the run was accepted, 422 when it was rejected.
    Stored(Report),
    /// The body could not be read at all; nothing was stored.
    Unreadable(Report, String),
    /// The same Idempotency-Key was used before with this body: the first
    /// answer (its status and body), and nothing was stored.
    Replayed(u16, String),
    /// The same Idempotency-Key was used before with another body.
    KeyReused(String),
}

impl Outcome {
    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        match self {
            Outcome::Stored(r) if r.stored && r.rejected == 0 => 202,
            Outcome::Stored(_) | Outcome::Unreadable(..) | Outcome::KeyReused(_) => 422,
            Outcome::Replayed(s, _) => *s,
        }
    }
}

type Reply = tokio::sync::oneshot::Sender<Result<Outcome, String>>;

/// The handle of the writer thread; clones share it. The thread ends when
/// the last handle is dropped.
#[derive(Clone)]
pub struct GroupWriter {
    tx: mpsc::Sender<(Post, Reply)>,
}

impl GroupWriter {
    /// Starts the writer thread of `store`.
    pub fn start(store: Store) -> GroupWriter {
        // A group of new runs is then stored without looking at the table.
        store.load_identities();
        let (tx, rx) = mpsc::channel::<(Post, Reply)>();
        std::thread::Builder::new()
            .name("yardstick-group-commit".into())
            .spawn(move || write_groups(&store, &rx))
            .expect("the group-commit thread starts");
        GroupWriter { tx }
    }

    /// Hands a post to the writer; the answer arrives once the transaction
    /// that holds it has committed (or failed: `Err` with the reason).
    pub async fn submit(&self, post: Post) -> Result<Outcome, String> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.tx
            .send((post, reply))
            .map_err(|_| "the group-commit writer has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the group-commit writer stopped before answering".to_string())?
    }
}

/// A post being written: read and validated, waiting for its group's commit.
struct Item {
    post: Post,
    reply: Reply,
    /// The run read from the post, or why it was refused.
    read: Option<Result<Run, Reject>>,
    warnings: Vec<String>,
}

fn write_groups(store: &Store, rx: &mpsc::Receiver<(Post, Reply)>) {
    let mut waiting: VecDeque<(Post, Reply)> = VecDeque::new();
    loop {
        if waiting.is_empty() {
            match rx.recv() {
                Ok(p) => waiting.push_back(p),
                Err(_) => return,
            }
        }
        while waiting.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(p) => waiting.push_back(p),
                Err(_) => break,
            }
        }
        let t = std::time::Instant::now();
        let posts = waiting.len();
        let later = write_group(store, std::mem::take(&mut waiting));
        tracing::debug!(
            posts,
            deferred = later.len(),
            ms = t.elapsed().as_millis() as u64,
            "group committed"
        );
        waiting = later;
    }
}

/// Writes one group; returns the posts that must wait for the next one
/// (a run or key already in this group).
fn write_group(store: &Store, posts: VecDeque<(Post, Reply)>) -> VecDeque<(Post, Reply)> {
    let known = match store.workflow_ids() {
        Ok(k) => k,
        Err(e) => {
            let msg = e.to_string();
            for (_, reply) in posts {
                let _ = reply.send(Err(msg.clone()));
            }
            return VecDeque::new();
        }
    };
    let mut later = VecDeque::new();
    let mut runs_in_group: HashSet<(String, String)> = HashSet::new();
    let mut keys_in_group: HashSet<(String, String)> = HashSet::new();
    let mut items: Vec<Item> = Vec::new();
    for (post, reply) in posts {
        // A key or run already in this group: the next group takes it.
        if let Some(k) = &post.idempotency {
            if keys_in_group.contains(&(k.key.clone(), k.route.clone())) {
                later.push_back((post, reply));
                continue;
            }
        }
        let mut record = None;
        let warnings = match read::read(Kind::Runs, Format::Json, &post.body, |rec| {
            if record.is_none() {
                record = Some(validate::run(&rec, &known));
            }
        }) {
            Ok(w) => w,
            Err(e) => {
                let report = Report::unreadable_from(Kind::Runs, Format::Json, &post.origin, &e);
                let _ = reply.send(Ok(Outcome::Unreadable(report, e.0)));
                continue;
            }
        };
        if let Some(Ok(run)) = &record {
            let id = (run.source.clone(), run.run_id.clone());
            if runs_in_group.contains(&id) {
                later.push_back((post, reply));
                continue;
            }
            runs_in_group.insert(id);
        }
        if let Some(k) = &post.idempotency {
            keys_in_group.insert((k.key.clone(), k.route.clone()));
        }
        items.push(Item {
            post,
            reply,
            read: record,
            warnings,
        });
    }
    // Keys answered before: the first answer again, nothing stored.
    let mut items: Vec<Item> = items
        .into_iter()
        .filter_map(|it| {
            let Some(k) = it.post.idempotency.as_ref() else {
                return Some(it);
            };
            let early = match store.idempotent_answer(&k.key, &k.route) {
                Ok(None) => return Some(it),
                Ok(Some((hash, status, body))) if hash == k.body_sha256 => {
                    Ok(Outcome::Replayed(status, body))
                }
                Ok(Some(_)) => Ok(Outcome::KeyReused(format!(
                    "Idempotency-Key `{}` was used for a different body on this route: \
                     use a new key for new data",
                    k.key
                ))),
                Err(e) => Err(e.to_string()),
            };
            let _ = it.reply.send(early);
            None
        })
        .collect();
    match store_group(store, &mut items) {
        Ok(reports) => {
            for (it, report) in items.into_iter().zip(reports) {
                let _ = it.reply.send(Ok(Outcome::Stored(report)));
            }
        }
        Err(e) => {
            let msg = e.to_string();
            tracing::warn!(error = %msg, posts = items.len(), "group rolled back");
            for it in items {
                let _ = it.reply.send(Err(msg.clone()));
            }
        }
    }
    later
}

/// Stores the items of a group in one transaction and gives each its report.
fn store_group(store: &Store, items: &mut [Item]) -> Result<Vec<Report>, IngestError> {
    // A strict post whose run was rejected stores nothing, not even the reject.
    let stores = |it: &Item| !(it.post.strict && matches!(it.read, Some(Err(_))));
    let mut reports: Vec<Report> = items
        .iter()
        .map(|it| Report {
            kind: Kind::Runs,
            origin: it.post.origin.clone(),
            format: Format::Json.as_str().to_string(),
            stored: stores(it),
            batch_id: None,
            rows_read: u64::from(it.read.is_some()),
            accepted: u64::from(matches!(it.read, Some(Ok(_)))),
            rejected: u64::from(matches!(it.read, Some(Err(_)))),
            superseded_in_input: 0,
            written: 0,
            replaced: 0,
            unchanged: 0,
            warnings: it.warnings.clone(),
            rejects: Vec::new(),
            rejects_truncated: false,
            error: None,
        })
        .collect();
    for (it, r) in items.iter().zip(reports.iter_mut()) {
        if let Some(Err(reject)) = &it.read {
            let (lines, cut) = reject_lines(std::slice::from_ref(reject));
            r.rejects = lines;
            r.rejects_truncated = cut;
            if !r.stored {
                r.warnings.push(super::strict_refusal(1));
            }
        }
    }
    let runs: Vec<Run> = items
        .iter()
        .filter_map(|it| match &it.read {
            Some(Ok(r)) => Some(r.clone()),
            _ => None,
        })
        .collect();
    let rejects: Vec<Reject> = items
        .iter()
        .filter(|it| stores(it))
        .filter_map(|it| match &it.read {
            Some(Err(r)) => Some(r.clone()),
            _ => None,
        })
        .collect();
    if runs.is_empty() && rejects.is_empty() {
        return Ok(reports);
    }
    let origin = match items.first() {
        Some(first) if items.iter().all(|it| it.post.origin == first.post.origin) => {
            first.post.origin.clone()
        }
        _ => "http".to_string(),
    };
    let mut batch = store.begin_runs(&RunBatchMeta {
        origin: &origin,
        format: Format::Json.as_str(),
        received_at: now(),
    })?;
    if !runs.is_empty() {
        batch.append(RunChunk::new(&runs)?)?;
    }
    if !rejects.is_empty() {
        batch.reject(&rejects)?;
    }
    let resolved = batch.resolve_distinct()?;
    let batch_id = batch.batch_id();
    for (it, r) in items.iter().zip(reports.iter_mut()) {
        if !r.stored {
            continue;
        }
        r.batch_id = Some(batch_id);
        if let Some(Ok(run)) = &it.read {
            let id = (run.source.clone(), run.run_id.clone());
            if resolved.unchanged(&id) {
                r.unchanged = 1;
            } else {
                r.written = 1;
                r.replaced = u64::from(resolved.replaced.contains(&id));
            }
        }
        if let Some(k) = &it.post.idempotency {
            let body = serde_json::to_string(&*r).map_err(|e| {
                IngestError::Store(crate::store::StoreError::Shape(format!(
                    "ingest report: {e}"
                )))
            })?;
            let status = if r.stored && r.rejected == 0 {
                202
            } else {
                422
            };
            batch.keep_answer(&crate::store::KeptAnswer {
                key: &k.key,
                route: &k.route,
                body_sha256: &k.body_sha256,
                status,
                response: &body,
            })?;
        }
    }
    let rows_read = items.iter().filter(|it| stores(it)).count() as u64;
    batch.commit_resolved(rows_read, runs.len() as u64, &resolved)?;
    Ok(reports)
}
