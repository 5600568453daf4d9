//! Automation-platform run history: each vendor's own documented example
//! responses (`fixtures/platforms/<vendor>/`, sources in SOURCES.md there),
//! generated responses in the vendor's documented shape with every documented
//! status, and the workflow map stored as a versioned ledger.

use serde_json::json;
use yardstick::ingest::platform::{self, Context, Platform};
use yardstick::ingest::{self, Format, IngestError, Input, Options};
use yardstick::model::{Kind, Run, Status};
use yardstick::store::Store;

use crate::{fixture, golden_store};

/// The golden store with the fixture workflow map stored.
fn mapped_store() -> Store {
    let store = golden_store();
    let bytes = std::fs::read(fixture("platforms/workflow_map.csv")).unwrap();
    let rep = store_map(&store, &bytes);
    assert_eq!((rep.rejected, rep.written), (0, 12), "{:?}", rep.rejects);
    store
}

fn store_map(store: &Store, bytes: &[u8]) -> ingest::Report {
    let input = Input {
        kind: Kind::Maps,
        format: Format::Csv,
        origin: "workflow_map.csv",
        bytes,
    };
    ingest::ingest(store, &input, Options::default()).unwrap()
}

/// The records a body reads as, validated against the golden catalogue.
fn read_with(p: Platform, bytes: &[u8], cx: &Context) -> (Vec<Run>, Vec<yardstick::model::Reject>) {
    let store = mapped_store();
    let map = store.platform_map(p.as_str()).unwrap();
    let known = store.workflow_ids().unwrap();
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    platform::read(
        p,
        bytes,
        &map,
        cx,
        &mut |rec| match ingest::validate::run(&rec, &known) {
            Ok(r) => ok.push(r),
            Err(r) => bad.push(r),
        },
    )
    .unwrap();
    (ok, bad)
}

fn runs(p: Platform, file: &str) -> (Vec<Run>, Vec<yardstick::model::Reject>) {
    let bytes = std::fs::read(fixture(&format!("platforms/{file}"))).unwrap();
    read_with(p, &bytes, &Context::default())
}

/// The records a body reads as, after asserting that none is rejected.
#[track_caller]
fn clean(p: Platform, bytes: &[u8], cx: &Context) -> Vec<Run> {
    let (ok, bad) = read_with(p, bytes, cx);
    assert!(bad.is_empty(), "{bad:?}");
    ok
}

#[track_caller]
fn clean_file(p: Platform, file: &str) -> Vec<Run> {
    clean(
        p,
        &std::fs::read(fixture(&format!("platforms/{file}"))).unwrap(),
        &Context::default(),
    )
}

fn statuses(runs: &[Run]) -> Vec<Status> {
    runs.iter().map(|r| r.status).collect()
}

fn t(s: &str) -> chrono::NaiveDateTime {
    yardstick::model::parse_timestamp(s).unwrap()
}

fn attr(r: &Run, k: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(r.attributes.as_deref()?).ok()?;
    v.get(k).and_then(|x| x.as_str()).map(str::to_string)
}

fn scenario(id: &str) -> Context {
    Context {
        platform_workflow: Some(id.into()),
        ..Context::default()
    }
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
    assert_eq!(attr(r, "platform_workflow").as_deref(), Some("Kp3sQ9xLm2"));
    assert_eq!(ok[1].status, Status::Failed);
    assert_eq!(
        ok[1].error_kind.as_deref(),
        Some("ETIMEDOUT: CRM did not answer")
    );
    assert_eq!(ok[2].status, Status::Cancelled);
    assert_eq!((ok[3].status, ok[3].finished_at), (Status::Running, None));
    // The unmapped workflow is rejected with the exact map line to add, on its line.
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].line, 53, "the line opening execution 1005");
    let reason = &bad[0].problems[0].reason;
    assert!(
        reason.contains("n8n workflow `ZZunmapped` is not in the workflow map: add the line `n8n,ZZunmapped,<workflow_id>`"),
        "{reason}"
    );
}

#[test]
fn n8ns_own_answers_import() {
    // Captured from n8n 2.8.4 running here (.ci/n8n; fixtures/platforms/n8n/SOURCES.md).
    let ok = clean_file(Platform::N8n, "n8n/live-executions-include-data.json");
    let ids: Vec<&str> = ok.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["7", "6", "5", "4", "3", "2", "1"]);
    assert_eq!(
        statuses(&ok),
        [
            Status::Succeeded,
            Status::Succeeded,
            Status::Failed,
            Status::Failed,
            Status::Succeeded,
            Status::Succeeded,
            Status::Succeeded
        ]
    );
    let failed = &ok[2];
    assert_eq!(
        (failed.workflow_id.as_str(), failed.error_kind.as_deref()),
        ("wf-b", Some("invoice total missing"))
    );
    assert_eq!(failed.started_at, t("2026-12-03T13:06:55.802Z"));
    assert_eq!(failed.finished_at, Some(t("2026-12-03T13:06:55.807Z")));
    // The run data itself stays out of the attributes.
    assert!(!failed.attributes.as_deref().unwrap().contains("resultData"));
    // Without includeData (n8n's default) a failure has no message.
    let bare = clean_file(Platform::N8n, "n8n/live-executions.json");
    let f = bare.iter().find(|r| r.run_id == "5").unwrap();
    assert_eq!((f.status, f.error_kind.as_deref()), (Status::Failed, None));
    // A waiting execution has a stoppedAt in n8n, but it has not ended.
    let waiting = clean_file(Platform::N8n, "n8n/live-execution-waiting.json");
    assert_eq!(
        (waiting[0].status, waiting[0].finished_at),
        (Status::Running, None)
    );
    // Each page of a paged list reads on its own.
    let pages: usize = (1..=3)
        .map(|i| clean_file(Platform::N8n, &format!("n8n/live-executions-page{i}.json")).len())
        .sum();
    assert!(pages >= 6, "{pages}");
}

#[test]
fn zapiers_documented_zap_runs_response_imports() {
    // docs.zapier.com: GET /v2/zap-runs answers an array of page objects.
    let ok = clean_file(Platform::Zapier, "zapier/doc-zap-runs-list.json");
    assert_eq!(ok.len(), 1);
    let r = &ok[0];
    assert_eq!(r.run_id, "123e4567-e89b-12d3-a456-426614174000");
    assert_eq!(r.workflow_id, "wf-b", "zap 104445735 through the map");
    assert_eq!(r.status, Status::Succeeded);
    assert_eq!(r.started_at, t("2024-10-16T06:29:10.36Z"));
    assert_eq!(r.finished_at, Some(t("2024-10-16T06:29:10.36Z")));
    assert_eq!(attr(r, "zap_title").as_deref(), Some("My Awesome Zap"));
}

/// A zap run in the documented ZapRun shape.
fn zap_run(i: usize, status: &str, steps: &[&str]) -> serde_json::Value {
    let steps: Vec<_> = steps
        .iter()
        .map(|s| json!({"status": s, "start_time": "2026-01-13T08:00:01Z"}))
        .collect();
    json!({
        "id": format!("run-{i}"), "zap_id": 100,
        "start_time": format!("2026-01-13T08:{i:02}:00Z"),
        "end_time": format!("2026-01-13T08:{i:02}:30Z"),
        "status": status, "zap_title": "Invoice to ledger", "steps": steps,
        "data_in": {"email": "someone@example.com"}, "data_out": ""
    })
}

#[test]
fn zapier_every_documented_status_over_two_pages() {
    let all = [
        ("success", Status::Succeeded),
        ("error", Status::Failed),
        ("error_handled", Status::Failed),
        ("halted", Status::Cancelled),
        ("filtered", Status::Cancelled),
        ("skipped", Status::Cancelled),
        ("delayed", Status::Running),
        ("scheduled", Status::Running),
        ("pending", Status::Running),
        ("held", Status::Running),
        ("throttled", Status::Running),
    ];
    let runs: Vec<_> = all
        .iter()
        .enumerate()
        .map(|(i, (s, _))| {
            let steps: &[&str] = if s.starts_with("error") {
                &["success", s]
            } else {
                &["success"]
            };
            zap_run(i, s, steps)
        })
        .collect();
    let (a, b) = runs.split_at(6);
    let body = json!([
        {"links": {"next": "https://api.zapier.com/v2/zap-runs?offset=6&limit=6", "prev": null},
         "meta": {"count": 11, "limit": 6, "offset": 0}, "data": a},
        {"links": {"next": null, "prev": "https://api.zapier.com/v2/zap-runs?offset=0&limit=6"},
         "meta": {"count": 11, "limit": 6, "offset": 6}, "data": b},
    ]);
    let ok = clean(
        Platform::Zapier,
        body.to_string().as_bytes(),
        &Context::default(),
    );
    assert_eq!(
        statuses(&ok),
        all.iter().map(|(_, s)| *s).collect::<Vec<_>>()
    );
    // The error is where Zapier keeps it: the step that failed.
    assert_eq!(ok[1].error_kind.as_deref(), Some("step 2 error"));
    assert_eq!(ok[2].error_kind.as_deref(), Some("step 2 error_handled"));
    assert_eq!(ok[0].error_kind, None);
    // A run that has not ended has no end.
    assert_eq!(ok[6].finished_at, None);
    // The trigger's data is not copied into attributes.
    assert_eq!(attr(&ok[0], "data_in.email"), None);
}

#[test]
fn power_automates_documented_run_list_imports() {
    // The Logic Apps WorkflowRuns_List example (azure-rest-api-specs): the
    // run names its workflow only in its resource id.
    let ok = clean_file(
        Platform::PowerAutomate,
        "power-automate/doc-logic-workflowruns-list.json",
    );
    assert_eq!(ok.len(), 1);
    let r = &ok[0];
    assert_eq!(r.run_id, "08586676746934337772206998657CU22");
    assert_eq!(r.workflow_id, "wf-a", "test-workflow, from the id path");
    assert_eq!(r.status, Status::Succeeded);
    assert_eq!(r.trigger_at, Some(t("2018-08-10T20:16:32.0387927Z")));
    assert_eq!(r.started_at, t("2018-08-10T20:16:32.044238Z"));
    assert_eq!(r.finished_at, Some(t("2018-08-10T20:16:32.5779999Z")));
    // The run's version, not an attribute: reports group by it.
    assert_eq!(r.version.as_deref(), Some("08586676754160363885"));
    assert_eq!(attr(r, "platform_version"), None);
    assert_eq!(
        attr(r, "platform_workflow").as_deref(),
        Some("test-workflow")
    );
}

#[test]
fn power_automate_every_documented_status_in_the_management_shape() {
    let all = [
        ("NotSpecified", Status::Running),
        ("Paused", Status::Running),
        ("Running", Status::Running),
        ("Waiting", Status::Running),
        ("Succeeded", Status::Succeeded),
        ("Skipped", Status::Cancelled),
        ("Suspended", Status::Running),
        ("Cancelled", Status::Cancelled),
        ("Failed", Status::Failed),
        ("Faulted", Status::Failed),
        ("TimedOut", Status::Failed),
        ("Aborted", Status::Failed),
        ("Ignored", Status::Cancelled),
    ];
    let value: Vec<_> = all
        .iter()
        .enumerate()
        .map(|(i, (s, _))| {
            json!({
                "id": format!("/providers/Microsoft.ProcessSimple/environments/Default-1/flows/3c5d7e91-0000-4a00-8000-000000000001/runs/0858{i}"),
                "name": format!("0858{i}"), "type": "Microsoft.ProcessSimple/environments/flows/runs",
                "properties": {
                    "startTime": "2026-01-14T09:00:00Z", "endTime": "2026-01-14T09:00:40Z", "status": s,
                    "error": if *s == "Failed" { json!({"code": "ActionFailed", "message": "An action failed."}) } else { json!(null) }
                }
            })
        })
        .collect();
    let body = json!({"value": value, "nextLink": "https://management.azure.com/next?page=2"});
    let ok = clean(
        Platform::PowerAutomate,
        body.to_string().as_bytes(),
        &Context::default(),
    );
    assert_eq!(
        statuses(&ok),
        all.iter().map(|(_, s)| *s).collect::<Vec<_>>()
    );
    assert!(ok.iter().all(|r| r.workflow_id == "wf-b"));
    assert_eq!(ok[8].error_kind.as_deref(), Some("An action failed."));
    assert_eq!(ok[0].finished_at, None, "a run not ended has no end");
}

#[test]
fn dataverse_flowrun_rows_read_milliseconds_and_json_errors() {
    // The flowrun table's logical names: duration in milliseconds,
    // errormessage a JSON text, the flow as the _workflow_value lookup.
    let body = json!({
        "@odata.context": "https://org.crm.dynamics.com/api/data/v9.2/$metadata#flowruns",
        "value": [
            {"name": "08585-a", "flowrunid": "f1", "_workflow_value": "3c5d7e91-0000-4a00-8000-000000000001",
             "starttime": "2026-01-14T09:00:00Z", "endtime": "2026-01-14T09:02:00Z", "duration": 120000,
             "status": "Success", "triggertype": "Automated"},
            {"name": "08585-b", "flowrunid": "f2", "_workflow_value": "3c5d7e91-0000-4a00-8000-000000000001",
             "starttime": "2026-01-14T09:30:00Z", "duration": 40500, "status": "Failed",
             "errorcode": "ActionFailed",
             "errormessage": "{\"code\":\"ActionFailed\",\"message\":\"The approver mailbox was not found\"}"}
        ],
        "@odata.nextLink": "https://org.crm.dynamics.com/api/data/v9.2/flowruns?$skiptoken=x"
    });
    let ok = clean(
        Platform::PowerAutomate,
        body.to_string().as_bytes(),
        &Context::default(),
    );
    assert_eq!(statuses(&ok), [Status::Succeeded, Status::Failed]);
    assert_eq!(ok[0].finished_at, Some(t("2026-01-14T09:02:00Z")));
    // No end time: the start plus the duration in milliseconds.
    assert_eq!(ok[1].finished_at, Some(t("2026-01-14T09:30:40.5Z")));
    assert_eq!(
        ok[1].error_kind.as_deref(),
        Some("The approver mailbox was not found")
    );
    assert_eq!(attr(&ok[0], "triggertype").as_deref(), Some("Automated"));
}

#[test]
fn power_automate_run_history_csv_maps_field_by_field() {
    let ok = clean_file(Platform::PowerAutomate, "power_automate_runs.csv");
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
fn uipaths_documented_jobs_response_imports_once_the_process_is_known() {
    // The API guide's GET /odata/Jobs example has no ReleaseName: each job is
    // rejected saying how to name the process, and imports once it is named.
    let file = "uipath/doc-orchestrator-jobs-get.partial.json";
    let (ok, bad) = runs(Platform::Uipath, file);
    assert!(ok.is_empty());
    assert_eq!(bad.len(), 2);
    assert!(
        bad[0].problems[0].reason.contains("names no process"),
        "{:?}",
        bad[0].problems
    );
    let bytes = std::fs::read(fixture(&format!("platforms/{file}"))).unwrap();
    let ok = clean(
        Platform::Uipath,
        &bytes,
        &scenario("InvoiceEntry_Production"),
    );
    assert_eq!(statuses(&ok), [Status::Succeeded, Status::Succeeded]);
    let r = &ok[0];
    assert_eq!(r.run_id, "1c7222dc-416f-4c60-9b17-88262c91768f");
    assert_eq!(r.trigger_at, Some(t("2018-01-15T18:18:01.623Z")));
    assert_eq!(r.started_at, t("2018-01-15T18:18:02.79Z"));
    assert_eq!(r.finished_at, Some(t("2018-01-15T18:18:47.587Z")));
    // Info ("Job completed") is no error of a successful job.
    assert_eq!(r.error_kind, None);
    assert_eq!(attr(r, "Source").as_deref(), Some("Manual"));
}

#[test]
fn uipath_every_job_state_by_name_and_number() {
    let all = [
        ("Pending", "0", Status::Running),
        ("Running", "1", Status::Running),
        ("Stopping", "2", Status::Running),
        ("Terminating", "3", Status::Running),
        ("Faulted", "4", Status::Failed),
        ("Successful", "5", Status::Succeeded),
        ("Stopped", "6", Status::Cancelled),
        ("Suspended", "7", Status::Running),
        ("Resumed", "8", Status::Running),
    ];
    let mut value = Vec::new();
    for (i, (name, number, _)) in all.iter().enumerate() {
        for (j, state) in [json!(name), json!(number.parse::<u8>().unwrap())]
            .into_iter()
            .enumerate()
        {
            let pending = *name == "Pending";
            value.push(json!({
                "Key": format!("job-{i}-{j}"), "Id": i * 2 + j,
                "ReleaseName": "InvoiceEntry_Production",
                "CreationTime": "2026-01-15T19:25:34.087Z",
                "StartTime": if pending { json!(null) } else { json!("2026-01-15T19:25:35.17Z") },
                "EndTime": if matches!(*name, "Faulted" | "Successful" | "Stopped") { json!("2026-01-15T19:25:46.62Z") } else { json!(null) },
                "State": state,
                "Info": if *name == "Faulted" { "System.Exception: Login to SAP failed" } else { "Job completed" },
                "Release": {"ProcessVersion": "1.0.7"}
            }));
        }
    }
    let body = json!({"@odata.context": "x", "@odata.count": value.len(), "value": value});
    let ok = clean(
        Platform::Uipath,
        body.to_string().as_bytes(),
        &Context::default(),
    );
    let want: Vec<Status> = all.iter().flat_map(|(_, _, s)| [*s, *s]).collect();
    assert_eq!(statuses(&ok), want);
    // A pending job has not started: it was queued at its creation.
    assert_eq!(ok[0].started_at, t("2026-01-15T19:25:34.087Z"));
    assert_eq!(
        ok[8].error_kind.as_deref(),
        Some("System.Exception: Login to SAP failed")
    );
    assert_eq!(ok[8].version.as_deref(), Some("1.0.7"));
}

#[test]
fn makes_scenario_logs_import_with_their_scenario() {
    // Make's SDK mocks of GET /scenarios/{id}/logs and of one log: a log
    // does not name its scenario; the request did.
    let file = "make/sdk-mock-scenario-logs-list.json";
    let (ok, bad) = runs(Platform::Make, file);
    assert!(ok.is_empty() && bad.len() == 1, "{ok:?}");
    assert!(bad[0].problems[0]
        .reason
        .contains("does not name its scenario"));
    let bytes = std::fs::read(fixture(&format!("platforms/{file}"))).unwrap();
    let ok = clean(Platform::Make, &bytes, &scenario("1229"));
    let r = &ok[0];
    assert_eq!(
        (r.run_id.as_str(), r.workflow_id.as_str()),
        ("da518adcd14b4b64ac6358823ccb80ca", "wf-c")
    );
    assert_eq!(r.status, Status::Succeeded);
    assert_eq!(r.started_at, t("2021-09-23T04:35:44.497Z"));
    // timestamp + duration (19,979 ms).
    assert_eq!(r.finished_at, Some(t("2021-09-23T04:36:04.476Z")));
    assert_eq!(attr(r, "operations").as_deref(), Some("10"));
    let bytes = std::fs::read(fixture("platforms/make/sdk-mock-scenario-log-get.json")).unwrap();
    let one = clean(Platform::Make, &bytes, &scenario("5"));
    assert_eq!(one[0].run_id, "cc1c49323b344687a324888762206003");
    assert_eq!(one[0].finished_at, Some(t("2021-09-23T11:55:28.557Z")));
}

#[test]
fn make_every_status() {
    let logs: Vec<_> = [0, 1, 2, 3]
        .iter()
        .map(|s| json!({"id": format!("log{s}"), "timestamp": "2026-01-13T08:00:00.000Z", "duration": 1500, "status": s, "operations": 3}))
        .collect();
    let body =
        json!({"scenarioLogs": logs, "pg": {"sortBy": "imtId", "sortDir": "desc", "limit": 50}});
    let ok = clean(
        Platform::Make,
        body.to_string().as_bytes(),
        &scenario("1229"),
    );
    assert_eq!(
        statuses(&ok),
        [
            Status::Running,
            Status::Succeeded,
            Status::Failed,
            Status::Failed
        ]
    );
    assert_eq!(ok[0].finished_at, None);
    assert_eq!(ok[3].finished_at, Some(t("2026-01-13T08:00:01.5Z")));
}

#[test]
fn naive_timestamps_are_read_in_the_given_time_zone() {
    let body = "id,zap_id,start_time,end_time,status\n\
                a,100,2026-03-29 01:30:00,2026-03-29 03:10:00,success\n\
                b,100,2026-03-29 02:30:00,2026-03-29 03:30:00,success\n\
                c,100,2026-10-25 02:30:00,2026-10-25 02:45:00+01:00,success\n";
    let berlin = Context {
        tz: Some("Europe/Berlin".parse().unwrap()),
        ..Context::default()
    };
    let (ok, bad) = read_with(Platform::Zapier, body.as_bytes(), &berlin);
    // 01:30 CET is 00:30 UTC; 03:10 CEST is 01:10 UTC.
    assert_eq!(
        (ok[0].started_at, ok[0].finished_at),
        (t("2026-03-29T00:30:00Z"), Some(t("2026-03-29T01:10:00Z")))
    );
    // 02:30 on 29 March never happened in Berlin: rejected, saying so.
    assert_eq!(bad.len(), 1);
    assert!(
        bad[0].problems[0]
            .reason
            .contains("no such local time in Europe/Berlin"),
        "{:?}",
        bad[0].problems
    );
    // 02:30 on 25 October happened twice: the first (CEST, 00:30 UTC); an offset wins over the zone.
    assert_eq!(
        (ok[1].started_at, ok[1].finished_at),
        (t("2026-10-25T00:30:00Z"), Some(t("2026-10-25T01:45:00Z")))
    );
    // Without a zone, naive timestamps are UTC.
    let (ok, _) = read_with(Platform::Zapier, body.as_bytes(), &Context::default());
    assert_eq!(ok[0].started_at, t("2026-03-29T01:30:00Z"));
}

#[test]
fn the_workflow_map_is_a_versioned_ledger() {
    let store = mapped_store();
    // The same map again records nothing.
    let bytes = std::fs::read(fixture("platforms/workflow_map.csv")).unwrap();
    let again = store_map(&store, &bytes);
    assert_eq!((again.written, again.unchanged, again.replaced), (0, 12, 0));
    // A map of one platform without the platform column gets it, line for line.
    let csv = platform::map_csv("platform_workflow,workflow_id\nKp3sQ9xLm2,wf-c\nnew-one,wf-d\nbad,Not A Slug\nghost,wf-zz\n", "m.csv", Platform::N8n).unwrap();
    let rep = store_map(&store, csv.as_bytes());
    assert_eq!(
        (rep.accepted, rep.written, rep.replaced, rep.rejected),
        (2, 2, 1, 2)
    );
    let lines: Vec<_> = rep
        .rejects
        .iter()
        .map(|r| (r.line, r.field.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        lines,
        [
            (4, "workflow_id".to_string()),
            (5, "workflow_id".to_string())
        ]
    );
    let n8n = store.platform_map("n8n").unwrap();
    assert_eq!(n8n.get("Kp3sQ9xLm2").map(String::as_str), Some("wf-c"));
    assert_eq!(n8n.get("new-one").map(String::as_str), Some("wf-d"));
    // The map in force: the fixture's 12 lines with one changed, and one new.
    let lines = store.platform_map_lines().unwrap();
    assert_eq!(lines.len(), 13);
    let k = lines
        .iter()
        .find(|l| l.platform_workflow == "Kp3sQ9xLm2")
        .unwrap();
    assert_eq!(
        (k.workflow_id.as_str(), k.batch_id),
        ("wf-c", rep.batch_id.unwrap())
    );
    // An unknown platform is rejected on its line.
    let rep = store_map(
        &store,
        b"platform,platform_workflow,workflow_id\nifttt,x,wf-a\n",
    );
    assert_eq!(rep.rejects[0].line, 2);
    assert!(rep.rejects[0].reason.contains("unknown platform `ifttt`"));
}

#[test]
fn platform_imports_store_once_and_need_a_map() {
    let store = mapped_store();
    let bytes = std::fs::read(fixture("platforms/n8n_executions.json")).unwrap();
    let import = |store: &Store, p: Platform, bytes: &[u8]| {
        ingest::ingest_platform(
            store,
            bytes,
            "n8n_executions.json",
            p,
            &Context::default(),
            Options::default(),
        )
    };
    let rep = import(&store, Platform::N8n, &bytes).unwrap();
    assert_eq!(
        (rep.rows_read, rep.accepted, rep.rejected, rep.written),
        (5, 4, 1, 4)
    );
    let again = import(&store, Platform::N8n, &bytes).unwrap();
    assert_eq!((again.written, again.unchanged), (0, 4));
    // No line of the platform in the map: nothing is read, and the error says how to map.
    let bare = golden_store();
    let r = import(&bare, Platform::N8n, &bytes);
    assert!(
        matches!(r, Err(IngestError::Unreadable(ref e)) if e.0.contains("ingest a workflow map first")),
        "{r:?}"
    );
}

#[tokio::test]
async fn over_http_a_map_then_a_vendors_body() {
    use crate::client::{get, post};
    let st = yardstick::http::AppState::open(golden_store());
    // A vendor body before any map: 422, saying to ingest a map.
    let doc = std::fs::read(fixture("platforms/zapier/doc-zap-runs-list.json")).unwrap();
    let r = post(
        &st,
        "/api/v1/ingest/runs?platform=zapier",
        "application/json",
        doc.clone(),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.text().contains("ingest a workflow map first"),
        "{}",
        r.text()
    );
    // A map of Zapier's zaps, without the platform column.
    let map = b"platform_workflow,workflow_id\n104445735,wf-b\n".to_vec();
    let r = post(&st, "/api/v1/ingest/maps?platform=zapier", "text/csv", map)
        .await
        .good();
    assert_eq!(r.json()["written"], 1);
    let lines = get(&st, "/api/v1/maps").await.good().json();
    assert_eq!(lines["maps"][0]["platform"], "zapier");
    assert_eq!(lines["maps"][0]["workflow_id"], "wf-b");
    // Zapier's documented response, as its API answers it.
    let r = post(
        &st,
        "/api/v1/ingest/runs?platform=zapier",
        "application/json",
        doc.clone(),
    )
    .await
    .good();
    assert_eq!(
        (r.json()["accepted"].as_u64(), r.json()["written"].as_u64()),
        (Some(1), Some(1))
    );
    // The same again changes nothing.
    let r = post(
        &st,
        "/api/v1/ingest/runs?platform=zapier",
        "application/json",
        doc,
    )
    .await
    .good();
    assert_eq!(r.json()["unchanged"], 1);
    // One n8n execution, as a webhook would post it, pretty-printed.
    let map = b"platform,platform_workflow,workflow_id\nn8n,OfQlL7YulC4r8HPu,wf-b\n".to_vec();
    post(&st, "/api/v1/ingest/maps", "text/csv", map)
        .await
        .good();
    let one = std::fs::read(fixture("platforms/n8n/live-execution-error.json")).unwrap();
    let r = post(
        &st,
        "/api/v1/ingest/runs?platform=n8n",
        "application/json",
        one,
    )
    .await
    .good();
    assert_eq!(r.json()["written"], 1);
    let states = st.store.run_states("n8n").unwrap();
    assert_eq!(states.len(), 1);
    assert_eq!(states[0].1, "failed");
    // A platform or a time zone that does not exist is said.
    let r = post(
        &st,
        "/api/v1/ingest/runs?platform=ifttt",
        "application/json",
        b"[]".to_vec(),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("unknown platform `ifttt`"));
    let r = post(
        &st,
        "/api/v1/ingest/runs?platform=zapier&tz=Mars/Olympus",
        "application/json",
        b"[]".to_vec(),
    )
    .await;
    assert_eq!(r.status, 400);
}
