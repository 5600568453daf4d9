//! Automation-platform exports, each mapped field by field from a fixture
//! written in the platform's published format.

use yardstick::ingest::platform::{self, Platform};
use yardstick::ingest::{self, IngestError, Options};
use yardstick::model::Status;
use yardstick::store::Store;

use crate::{fixture, golden_store};

fn map() -> std::collections::HashMap<String, String> {
    let text = std::fs::read_to_string(fixture("platforms/workflow_map.csv")).unwrap();
    platform::read_map(&text, "workflow_map.csv").unwrap()
}

/// Imports a fixture and returns the report and the stored runs of its source.
fn import(p: Platform, file: &str) -> (Store, ingest::Report) {
    let store = golden_store();
    let bytes = std::fs::read(fixture(&format!("platforms/{file}"))).unwrap();
    let rep = ingest::ingest_platform(
        &store,
        &bytes,
        file,
        p,
        &map(),
        "workflow_map.csv",
        Options::default(),
    )
    .unwrap();
    (store, rep)
}

/// The records a fixture reads as, validated against the golden catalogue.
fn runs(p: Platform, file: &str) -> (Vec<yardstick::model::Run>, Vec<yardstick::model::Reject>) {
    let bytes = std::fs::read(fixture(&format!("platforms/{file}"))).unwrap();
    let known = golden_store().workflow_ids().unwrap();
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    platform::read(
        p,
        &bytes,
        &map(),
        "workflow_map.csv",
        &mut |rec| match ingest::validate::run(&rec, &known) {
            Ok(r) => ok.push(r),
            Err(r) => bad.push(r),
        },
    )
    .unwrap();
    (ok, bad)
}

/// The records a fixture reads as, after asserting that none is rejected.
#[track_caller]
fn clean_runs(p: Platform, file: &str) -> Vec<yardstick::model::Run> {
    let (ok, bad) = runs(p, file);
    assert!(bad.is_empty(), "{bad:?}");
    ok
}

fn statuses(runs: &[yardstick::model::Run]) -> Vec<Status> {
    runs.iter().map(|r| r.status).collect()
}

fn t(s: &str) -> chrono::NaiveDateTime {
    yardstick::model::parse_timestamp(s).unwrap()
}

fn attr(r: &yardstick::model::Run, k: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(r.attributes.as_deref()?).ok()?;
    v.get(k).and_then(|x| x.as_str()).map(str::to_string)
}

#[test]
fn n8n_executions_map_field_by_field() {
    let (ok, bad) = runs(Platform::N8n, "n8n_executions.json");
    let ids: Vec<&str> = ok.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["1001", "1002", "1003", "1004"]);
    let r = &ok[0];
    assert_eq!((r.source.as_str(), r.workflow_id.as_str()), ("n8n", "wf-a"));
    assert_eq!(r.started_at, t("2026-01-12T09:00:00Z"));
    assert_eq!(r.trigger_at, None);
    assert_eq!(r.finished_at, Some(t("2026-01-12T09:04:30Z")));
    assert_eq!(r.status, Status::Succeeded);
    assert_eq!(attr(r, "mode").as_deref(), Some("webhook"));
    assert_eq!(attr(r, "platform_status").as_deref(), Some("success"));
    assert_eq!(ok[1].status, Status::Failed);
    assert_eq!(
        ok[1].error_kind.as_deref(),
        Some("ETIMEDOUT: CRM did not answer")
    );
    assert_eq!(ok[2].status, Status::Cancelled);
    assert_eq!((ok[3].status, ok[3].finished_at), (Status::Running, None));
    // The unmapped workflow is rejected with how to map it, on its line.
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].line, 53, "the line opening execution 1005");
    let reason = &bad[0].problems[0].reason;
    assert!(reason.contains("`ZZunmapped` is not in the workflow map workflow_map.csv: add a line `ZZunmapped,<workflow_id>`"), "{reason}");
}

#[test]
fn zapier_zap_runs_map_field_by_field() {
    let ok = clean_runs(Platform::Zapier, "zapier_zap_runs.json");
    assert_eq!(
        statuses(&ok),
        [
            Status::Succeeded,
            Status::Cancelled,
            Status::Failed,
            Status::Running
        ]
    );
    assert_eq!(ok[0].run_id, "550e8400-e29b-41d4-a716-446655440001");
    assert_eq!(ok[0].workflow_id, "wf-b");
    assert_eq!(ok[0].finished_at, Some(t("2026-01-13T08:00:09Z")));
    assert_eq!(
        attr(&ok[0], "zap_title").as_deref(),
        Some("New invoice to ledger")
    );
    assert_eq!(ok[3].finished_at, None);
}

#[test]
fn power_automate_run_history_csv_maps_field_by_field() {
    let ok = clean_runs(Platform::PowerAutomate, "power_automate_runs.csv");
    assert_eq!(
        statuses(&ok),
        [
            Status::Succeeded,
            Status::Failed,
            Status::Cancelled,
            Status::Running
        ]
    );
    let r = &ok[1];
    assert_eq!(
        (r.run_id.as_str(), r.workflow_id.as_str()),
        ("08585190000000000002", "wf-b")
    );
    assert_eq!(
        (r.started_at, r.finished_at),
        (t("2026-01-14T09:30:00Z"), Some(t("2026-01-14T09:30:40Z")))
    );
    assert_eq!(
        r.error_kind.as_deref(),
        Some("The approver mailbox was not found")
    );
    assert_eq!(attr(r, "Trigger type").as_deref(), Some("Automated"));
    assert_eq!(attr(r, "Error code").as_deref(), Some("ActionFailed"));
}

#[test]
fn uipath_jobs_map_field_by_field() {
    let ok = clean_runs(Platform::Uipath, "uipath_jobs.json");
    assert_eq!(
        statuses(&ok),
        [Status::Succeeded, Status::Failed, Status::Cancelled]
    );
    let r = &ok[1];
    assert_eq!(
        (r.run_id.as_str(), r.workflow_id.as_str()),
        ("9fbdfca0-d1e5-41c2-abe6-86fe626346a3", "wf-a")
    );
    // A job is queued (created) before a robot starts it: that is its trigger.
    assert_eq!(r.trigger_at, Some(t("2026-01-15T19:25:34.087Z")));
    assert_eq!(r.started_at, t("2026-01-15T19:25:35.17Z"));
    assert_eq!(r.finished_at, Some(t("2026-01-15T19:25:46.62Z")));
    assert_eq!(
        r.error_kind.as_deref(),
        Some("System.Exception: Login to SAP failed")
    );
    assert_eq!(attr(r, "Source").as_deref(), Some("Schedule"));
    assert_eq!(ok[0].error_kind, None);
}

#[test]
fn platform_imports_store_once_and_refuse_bad_maps() {
    let (store, rep) = import(Platform::N8n, "n8n_executions.json");
    assert_eq!(
        (rep.rows_read, rep.accepted, rep.rejected, rep.written),
        (5, 4, 1, 4)
    );
    let again = ingest::ingest_platform(
        &store,
        &std::fs::read(fixture("platforms/n8n_executions.json")).unwrap(),
        "again",
        Platform::N8n,
        &map(),
        "workflow_map.csv",
        Options::default(),
    )
    .unwrap();
    assert_eq!((again.written, again.unchanged), (0, 4));
    let mut bad = map();
    bad.insert("x".into(), "not-catalogued".into());
    let r = ingest::ingest_platform(
        &store,
        b"[]",
        "x",
        Platform::N8n,
        &bad,
        "m.csv",
        Options::default(),
    );
    assert!(matches!(r, Err(IngestError::Unreadable(ref e)) if e.0.contains("not-catalogued")));
    assert!(platform::read_map("platform_workflow,workflow_id\n", "m.csv").is_err());
    assert!(platform::read_map("platform_workflow,workflow_id\nx,Not A Slug\n", "m.csv").is_err());
}
