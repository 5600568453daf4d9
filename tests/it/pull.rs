//! `yardstick pull` against loopback stubs of each vendor's API, serving
//! responses in the vendor's documented shapes with the vendor's paging and
//! authentication: the first pull fetches everything, the next only what is
//! new and the runs that were open, and a repeated pull changes no figure.
//! (n8n itself, running here, is tests/it/n8n.rs.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use yardstick::ingest::platform::Platform;
use yardstick::model::Status;
use yardstick::pull::{self, Pull, PullReport};
use yardstick::store::Store;

use crate::golden_store;

pub(crate) type Handler =
    dyn Fn(&str, &HashMap<String, String>, &axum::http::HeaderMap) -> (u16, Value) + Send + Sync;

/// A loopback HTTP server answering every GET with `handler`; the requests
/// it saw are counted.
pub(crate) struct Stub {
    pub(crate) url: String,
    pub(crate) requests: Arc<Mutex<Vec<String>>>,
    _rt: tokio::runtime::Runtime,
}

pub(crate) fn stub(handler: Arc<Handler>) -> Stub {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    rt.spawn(async move {
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: axum::http::HeaderMap| {
                let (h, seen) = (handler.clone(), seen.clone());
                async move {
                    seen.lock().unwrap().push(uri.to_string());
                    let q: HashMap<String, String> =
                        serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap();
                    let (status, body) = h(uri.path(), &q, &headers);
                    (
                        axum::http::StatusCode::from_u16(status).unwrap(),
                        axum::Json(body),
                    )
                }
            },
        );
        let l = tokio::net::TcpListener::from_std(listener).unwrap();
        axum::serve(l, app).await.unwrap();
    });
    Stub {
        url,
        requests,
        _rt: rt,
    }
}

/// Stores workflow map lines (CSV with a header).
fn map_lines(store: &Store, csv: &str) -> yardstick::ingest::Report {
    let (kind, csv_format) = (yardstick::model::Kind::Maps, yardstick::ingest::Format::Csv);
    crate::ingest_text(store, kind, csv_format, "map", csv, Default::default()).unwrap()
}

/// The golden store with every platform's test workflows mapped.
fn store() -> Store {
    let store = golden_store();
    let map = "platform,platform_workflow,workflow_id\nn8n,wfA,wf-a\nzapier,100,wf-b\nmake,1229,wf-c\nmake,1230,wf-a\nuipath,InvoiceEntry,wf-a\npower-automate,invoice-flow,wf-b\n";
    let rep = map_lines(&store, map);
    assert_eq!(rep.rejected, 0, "{:?}", rep.rejects);
    store
}

fn puller(platform: Platform, url: &str, workflows: &[&str]) -> Pull {
    Pull {
        platform,
        url: url.to_string(),
        token: "secret-key".into(),
        workflows: workflows.iter().map(|s| s.to_string()).collect(),
        folder: Some("42".into()),
        page_size: 10,
        tz: None,
        strict: false,
    }
}

fn go(store: &Store, p: &Pull) -> PullReport {
    pull::pull(store, p, &pull::Http::new().unwrap()).unwrap()
}

/// (run_id, status) of every stored run of `source`, by run id.
fn stored(store: &Store, source: &str) -> Vec<(String, Status)> {
    store
        .run_states(source)
        .unwrap()
        .into_iter()
        .map(|(id, s)| (id, s.parse().unwrap()))
        .collect()
}

fn authorized(h: &axum::http::HeaderMap, name: &str, want: &str) -> bool {
    h.get(name).and_then(|v| v.to_str().ok()) == Some(want)
}

fn ts(minute: u32) -> String {
    format!("2026-02-02T09:{minute:02}:00.000Z")
}

/// A figure of the whole store that a repeated pull must not move.
fn figures(store: &Store) -> String {
    serde_json::to_string(&store.workflows(None).unwrap()).unwrap()
}

#[test]
fn n8n_pulls_page_by_cursor_and_reads_running_executions_again() {
    // n8n's list is newest first, paged by nextCursor, and leaves out the
    // executions running at the moment it is asked.
    let execs: Arc<Mutex<Vec<Value>>> = Arc::new(Mutex::new(
        (1..=25)
            .map(|i| {
                let status = if i == 7 { "running" } else if i % 5 == 0 { "error" } else { "success" };
                json!({"id": i.to_string(), "finished": status == "success", "mode": "webhook",
                       "createdAt": ts(i), "startedAt": ts(i),
                       "stoppedAt": if status == "running" { Value::Null } else { json!(format!("2026-02-02T09:{i:02}:30.000Z")) },
                       "workflowId": "wfA", "status": status,
                       "data": {"resultData": if status == "error" { json!({"error": {"message": "boom"}}) } else { json!({}) }}})
            })
            .collect(),
    ));
    let e = execs.clone();
    let s = stub(Arc::new(
        move |path: &str, q: &HashMap<String, String>, h: &axum::http::HeaderMap| {
            if !authorized(h, "x-n8n-api-key", "secret-key") {
                return (401, json!({"message": "unauthorized"}));
            }
            let all = e.lock().unwrap();
            if let Some(id) = path.strip_prefix("/api/v1/executions/") {
                return match all.iter().find(|x| x["id"] == id) {
                    Some(x) => (200, x.clone()),
                    None => (404, json!({"message": "Not Found"})),
                };
            }
            assert_eq!(path, "/api/v1/executions");
            assert_eq!(q.get("includeData").map(String::as_str), Some("true"));
            let limit: usize = q["limit"].parse().unwrap();
            let below: u64 = q.get("cursor").map_or(u64::MAX, |c| c.parse().unwrap());
            let mut listed: Vec<&Value> = all
                .iter()
                .filter(|x| x["status"] != "running")
                .filter(|x| x["id"].as_str().unwrap().parse::<u64>().unwrap() < below)
                .collect();
            listed.sort_by_key(|x| {
                std::cmp::Reverse(x["id"].as_str().unwrap().parse::<u64>().unwrap())
            });
            let page: Vec<Value> = listed.iter().take(limit).map(|x| (*x).clone()).collect();
            let next = (listed.len() > limit).then(|| page.last().unwrap()["id"].clone());
            (200, json!({"data": page, "nextCursor": next}))
        },
    ));
    let store = store();
    let p = puller(Platform::N8n, &s.url, &[]);
    let r1 = go(&store, &p);
    // 24 listed in 3 pages of 10; execution 7 was running, so left out and remembered.
    assert_eq!((r1.fetched, r1.requests, r1.still_open), (24, 3, 1));
    assert_eq!(r1.ingest.as_ref().unwrap().written, 24);
    // Execution 7 ends and 26 arrives; 5 changes nothing.
    {
        let mut all = execs.lock().unwrap();
        all[6]["status"] = json!("success");
        all[6]["stoppedAt"] = json!("2026-02-02T09:07:45.000Z");
        let mut x = all[24].clone();
        x["id"] = json!("26");
        all.push(x);
    }
    let before = s.requests.lock().unwrap().len();
    let r2 = go(&store, &p);
    // 7 read by id, one list page down to 25: two requests, two runs.
    assert_eq!(
        (r2.fetched, r2.reread, r2.requests, r2.still_open),
        (2, 1, 2, 0)
    );
    let reqs = s.requests.lock().unwrap()[before..].to_vec();
    assert!(reqs[0].starts_with("/api/v1/executions/7?"), "{reqs:?}");
    let rep = r2.ingest.unwrap();
    // 7 was never listed, so it is new, as is 26.
    assert_eq!((rep.written, rep.replaced, rep.unchanged), (2, 0, 0));
    let runs = stored(&store, "n8n");
    assert_eq!(runs.len(), 26);
    assert!(runs.contains(&("7".to_string(), Status::Succeeded)));
    assert!(runs.contains(&("5".to_string(), Status::Failed)));
    // Nothing new: one request, nothing stored, no figure moves.
    let f = figures(&store);
    let r3 = go(&store, &p);
    assert_eq!((r3.fetched, r3.requests), (0, 1));
    assert!(r3.ingest.is_none());
    assert_eq!(figures(&store), f);
    // A wrong key is said, with the address and n8n's answer.
    let bad = Pull {
        token: "wrong".into(),
        ..p.clone()
    };
    let err = pull::pull(&store, &bad, &pull::Http::new().unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("401") && err.contains("/api/v1/executions"),
        "{err}"
    );
}

#[test]
fn zapier_pulls_pages_by_links_next_and_asks_from_the_oldest_open_run() {
    let runs: Arc<Mutex<Vec<Value>>> = Arc::new(Mutex::new(
        (0..23)
            .map(|i| json!({"id": format!("run-{i:02}"), "zap_id": 100, "start_time": ts(i), "end_time": if i == 20 { Value::Null } else { json!(ts(i + 1)) },
                            "status": if i == 20 { "delayed" } else { "success" }, "zap_title": "Invoice", "steps": [], "data_in": "", "data_out": ""}))
            .collect(),
    ));
    let (r, base) = (runs.clone(), Arc::new(Mutex::new(String::new())));
    let b = base.clone();
    let s = stub(Arc::new(
        move |path: &str, q: &HashMap<String, String>, h: &axum::http::HeaderMap| {
            assert_eq!(path, "/v2/zap-runs");
            if !authorized(h, "authorization", "Bearer secret-key") {
                return (401, json!({"errors": [{"status": "401"}]}));
            }
            let all = r.lock().unwrap();
            let from = q.get("from_date").cloned().unwrap_or_default();
            let at = |s: &str| yardstick::model::parse_timestamp(s).unwrap();
            let matching: Vec<&Value> = all
                .iter()
                .filter(|x| from.is_empty() || at(x["start_time"].as_str().unwrap()) >= at(&from))
                .collect();
            let (offset, limit): (usize, usize) =
                (q["offset"].parse().unwrap(), q["limit"].parse().unwrap());
            let data: Vec<Value> = matching
                .iter()
                .skip(offset)
                .take(limit)
                .map(|x| (*x).clone())
                .collect();
            let next = (offset + limit < matching.len()).then(|| {
                let mut u = format!(
                    "{}/v2/zap-runs?offset={}&limit={limit}",
                    b.lock().unwrap(),
                    offset + limit
                );
                if !from.is_empty() {
                    u.push_str(&format!("&from_date={from}"));
                }
                u
            });
            (
                200,
                json!([{"links": {"next": next, "prev": null}, "meta": {"count": matching.len(), "limit": limit, "offset": offset}, "data": data}]),
            )
        },
    ));
    *base.lock().unwrap() = s.url.clone();
    let store = store();
    let p = puller(Platform::Zapier, &s.url, &[]);
    let r1 = go(&store, &p);
    assert_eq!((r1.fetched, r1.requests, r1.still_open), (23, 3, 1));
    // run-20 finishes; the next pull asks from its start (less ten minutes).
    {
        let mut all = runs.lock().unwrap();
        all[20]["status"] = json!("success");
        all[20]["end_time"] = json!(ts(40));
    }
    let before = s.requests.lock().unwrap().len();
    let r2 = go(&store, &p);
    let first = s.requests.lock().unwrap()[before].clone();
    assert!(
        first.contains("from_date=2026-02-02T09%3A10%3A00Z"),
        "{first}"
    );
    assert_eq!((r2.fetched, r2.reread, r2.still_open), (13, 1, 0));
    let rep = r2.ingest.unwrap();
    assert_eq!((rep.written, rep.replaced, rep.unchanged), (1, 1, 12));
    assert!(stored(&store, "zapier").contains(&("run-20".to_string(), Status::Succeeded)));
    let f = figures(&store);
    go(&store, &p);
    assert_eq!(figures(&store), f, "a repeated pull changes no figure");
}

#[test]
fn make_pulls_each_scenario_by_offset_and_names_its_scenario() {
    let s = stub(Arc::new(
        |path: &str, q: &HashMap<String, String>, h: &axum::http::HeaderMap| {
            if !authorized(h, "authorization", "Token secret-key") {
                return (401, json!({"message": "Access denied"}));
            }
            let scenario = path
                .strip_prefix("/api/v2/scenarios/")
                .and_then(|p| p.strip_suffix("/logs"))
                .unwrap();
            let n = if scenario == "1229" { 12 } else { 3 };
            let (offset, limit): (usize, usize) = (
                q["pg[offset]"].parse().unwrap(),
                q["pg[limit]"].parse().unwrap(),
            );
            let logs: Vec<Value> = (0..n).skip(offset).take(limit)
            .map(|i| json!({"id": format!("{scenario}-{i}"), "imtId": format!("x_scenario.{scenario}"), "timestamp": ts(i as u32), "duration": 1500, "status": if i == 2 { 3 } else { 1 }, "operations": 4, "type": "auto"}))
            .collect();
            (
                200,
                json!({"scenarioLogs": logs, "pg": {"sortBy": "imtId", "sortDir": "desc", "limit": limit}}),
            )
        },
    ));
    let store = store();
    let r = go(&store, &puller(Platform::Make, &s.url, &["1229", "1230"]));
    // 1229: a full page then a short one; 1230: one short page.
    assert_eq!((r.fetched, r.requests), (15, 3));
    let runs = stored(&store, "make");
    assert!(runs.contains(&("1229-2".to_string(), Status::Failed)));
    assert!(runs.contains(&("1230-0".to_string(), Status::Succeeded)));
    // Without scenarios, Make cannot be listed: said before any request.
    let err = pull::pull(
        &store,
        &puller(Platform::Make, &s.url, &[]),
        &pull::Http::new().unwrap(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("--workflow"), "{err}");
}

#[test]
fn uipath_pulls_by_top_and_skip_in_its_folder() {
    let s = stub(Arc::new(
        |path: &str, q: &HashMap<String, String>, h: &axum::http::HeaderMap| {
            assert_eq!(path, "/odata/Jobs");
            if !authorized(h, "x-uipath-organizationunitid", "42") {
                return (
                    400,
                    json!({"message": "A folder is required for this action.", "errorCode": 1101}),
                );
            }
            assert_eq!(q.get("$orderby").map(String::as_str), Some("Id asc"));
            let (top, skip): (usize, usize) =
                (q["$top"].parse().unwrap(), q["$skip"].parse().unwrap());
            let jobs: Vec<Value> = (0..14usize).skip(skip).take(top)
            .map(|i| json!({"Key": format!("job-{i}"), "Id": i, "ReleaseName": "InvoiceEntry", "CreationTime": ts(i as u32),
                            "StartTime": ts(i as u32 + 1), "EndTime": ts(i as u32 + 2), "State": if i == 3 { "Faulted" } else { "Successful" }, "Info": "x"}))
            .collect();
            (
                200,
                json!({"@odata.context": "x", "@odata.count": 14, "value": jobs}),
            )
        },
    ));
    let store = store();
    let r = go(&store, &puller(Platform::Uipath, &s.url, &[]));
    assert_eq!((r.fetched, r.requests), (14, 2));
    assert!(stored(&store, "uipath").contains(&("job-3".to_string(), Status::Failed)));
    let no_folder = Pull {
        folder: None,
        ..puller(Platform::Uipath, &s.url, &[])
    };
    let err = pull::pull(&store, &no_folder, &pull::Http::new().unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains("400") && err.contains("folder"), "{err}");
}

#[test]
fn power_automate_pulls_by_next_link() {
    let base = Arc::new(Mutex::new(String::new()));
    let b = base.clone();
    let s = stub(Arc::new(
        move |path: &str, q: &HashMap<String, String>, _h: &axum::http::HeaderMap| {
            assert!(path.ends_with("/workflows/invoice-flow/runs"), "{path}");
            let page: usize = q.get("page").map_or(0, |p| p.parse().unwrap());
            let runs: Vec<Value> = (page * 10..(page * 10 + 10).min(17))
            .map(|i| json!({"id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/invoice-flow/runs/r{i}"),
                            "name": format!("r{i}"), "type": "Microsoft.Logic/workflows/runs",
                            "properties": {"startTime": ts(i as u32), "endTime": ts(i as u32 + 1), "status": "Succeeded",
                                           "workflow": {"name": "0858v1"}}}))
            .collect();
            let next = (page == 0)
                .then(|| format!("{}{path}?api-version=2019-05-01&page=1", b.lock().unwrap()));
            (200, json!({"value": runs, "nextLink": next}))
        },
    ));
    *base.lock().unwrap() = s.url.clone();
    let store = store();
    let url = format!("{}/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/invoice-flow/runs?api-version=2019-05-01", s.url);
    let r = go(&store, &puller(Platform::PowerAutomate, &url, &[]));
    assert_eq!((r.fetched, r.requests), (17, 2));
    assert_eq!(stored(&store, "power-automate").len(), 17);
}

#[test]
fn runs_rejected_for_want_of_a_map_line_come_with_the_next_pull_after_it_is_added() {
    let s = stub(Arc::new(
        |_path: &str, q: &HashMap<String, String>, _h: &axum::http::HeaderMap| {
            let from = q
                .get("from_date")
                .map(|f| yardstick::model::parse_timestamp(f).unwrap());
            let data: Vec<Value> = (0..6u32)
            .filter(|i| from.is_none_or(|f| yardstick::model::parse_timestamp(&ts(*i)).unwrap() >= f))
            .map(|i| json!({"id": format!("r{i}"), "zap_id": if i % 2 == 0 { 100 } else { 300 },
                            "start_time": ts(i), "end_time": ts(i + 1), "status": "success", "steps": []}))
            .collect();
            (
                200,
                json!([{"links": {"next": null}, "meta": {"count": data.len()}, "data": data}]),
            )
        },
    ));
    let store = store();
    let p = puller(Platform::Zapier, &s.url, &[]);
    let r1 = go(&store, &p);
    let rep = r1.ingest.unwrap();
    assert_eq!((rep.written, rep.rejected, r1.still_open), (3, 3, 3));
    map_lines(
        &store,
        "platform,platform_workflow,workflow_id\nzapier,300,wf-c\n",
    );
    let r2 = go(&store, &p);
    let rep = r2.ingest.unwrap();
    // Asked again from the oldest rejected run: the three come, the others are unchanged.
    assert_eq!(
        (rep.written, rep.rejected, r2.reread, r2.still_open),
        (3, 0, 3, 0)
    );
    assert_eq!(stored(&store, "zapier").len(), 6);
}

#[test]
fn a_next_page_on_another_host_is_not_followed_with_the_token() {
    let s = stub(Arc::new(
        |_path: &str, _q: &HashMap<String, String>, _h: &axum::http::HeaderMap| {
            let run = json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/invoice-flow/runs/r1",
                             "name": "r1", "properties": {"startTime": ts(1), "endTime": ts(2), "status": "Succeeded"}});
            (
                200,
                json!({"value": [run], "nextLink": "https://elsewhere.example/runs?page=2"}),
            )
        },
    ));
    let store = store();
    let url = format!("{}/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/invoice-flow/runs?api-version=2019-05-01", s.url);
    let err = pull::pull(
        &store,
        &puller(Platform::PowerAutomate, &url, &[]),
        &pull::Http::new().unwrap(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("https://elsewhere.example") && err.contains("not followed"),
        "{err}"
    );
    assert_eq!(s.requests.lock().unwrap().len(), 1);
    assert!(
        store.run_states("power-automate").unwrap().is_empty(),
        "nothing stored from a broken pull"
    );
}
