//! The HTTP API, in process: `app(state).oneshot(request)`.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use yardstick::http::AppState;
use yardstick::store::Store;

use crate::client::{assert_refused, get, get_current, get_with, post, send, Answer};
use crate::{fixture, golden_store};

#[tokio::test]
async fn ingest_then_metrics_as_json_and_csv() {
    let st = AppState::open(Store::open_in_memory().unwrap());
    for (kind, file) in [
        ("workflows", "workflows.csv"),
        ("baselines", "baselines.csv"),
        ("runs", "runs.csv"),
    ] {
        let body = std::fs::read(fixture(&format!("golden/{file}"))).unwrap();
        let r = post(
            &st,
            &format!("/api/v1/ingest/{kind}?name={file}"),
            "text/csv; charset=utf-8",
            body,
        )
        .await
        .good();
        let j = r.json();
        assert_eq!(j["stored"], true);
        assert_eq!(j["origin"], file);
    }
    let r = post(
        &st,
        "/api/v1/ingest/runs",
        "application/x-ndjson",
        std::fs::read(fixture("golden/runs_batch2.ndjson")).unwrap(),
    )
    .await
    .good();
    assert_eq!(r.json()["replaced"], 1);

    let j = get(
        &st,
        "/api/v1/metrics?from=2026-01-01&to=2026-02-01&workflow=wf-b",
    )
    .await
    .good()
    .json();
    assert_eq!(j["from"], "2026-01-01T00:00:00Z");
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["workflow_id"], "wf-b");
    assert_eq!(rows[0]["runs"], 5);
    assert_eq!(rows[0]["reclaimed_money"], 27.5);
    assert_eq!(rows[0]["response_p50_min"], serde_json::Value::Null);

    let r = get(
        &st,
        "/api/v1/metrics?from=2026-01-01&to=2026-02-01&workflow=wf-a,wf-b&format=csv",
    )
    .await
    .good_as("text/csv");
    let text = r.text();
    let mut lines = text.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("workflow_id,runs,succeeded,"));
    assert!(lines.next().unwrap().starts_with("wf-a,9,3,2,1,1,2,1,"));
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("wf-b,5,4,1,0,0,0,0,0.2,0.0,")
            || text.contains("wf-b,5,4,1,0,0,0,0,0.2,0,")
    );

    let j = get(&st, "/api/v1/workflows").await.good().json();
    assert_eq!(j["workflows"].as_array().unwrap().len(), 4);
    assert_eq!(j["workflows"][1]["automated_since"], "2026-01-10T00:00:00Z");

    let j = get(&st, "/api/v1/rejects").await.good().json();
    let rejects = j["rejects"].as_array().unwrap();
    assert_eq!(
        rejects.len(),
        11,
        "1 workflow + 1 baseline + 9 run problems"
    );
    assert_eq!(rejects[0]["line"], 20);
    assert_eq!(rejects[0]["field"], "run_id");
}

#[tokio::test]
async fn bad_requests_get_clear_json_errors() {
    let st = AppState::open(golden_store());
    for (uri, status, needle) in [
        (
            "/api/v1/metrics?from=2026-02-01&to=2026-01-01",
            StatusCode::BAD_REQUEST,
            "the period is empty",
        ),
        (
            "/api/v1/metrics?from=2026-01-01",
            StatusCode::BAD_REQUEST,
            "give both from and to",
        ),
        (
            "/api/v1/metrics?from=soon&to=2026-01-01",
            StatusCode::BAD_REQUEST,
            "from: `soon`",
        ),
        (
            "/api/v1/metrics?from=2026-01-01&to=2026-02-01&workflow=nope",
            StatusCode::NOT_FOUND,
            "not in the catalogue",
        ),
        (
            "/api/v1/metrics?format=xml",
            StatusCode::BAD_REQUEST,
            "format `xml`",
        ),
        (
            "/api/v1/metrics?frm=2026-01-01",
            StatusCode::BAD_REQUEST,
            "unknown parameter `frm`",
        ),
        ("/api/v1/nothing", StatusCode::NOT_FOUND, "no such route"),
    ] {
        assert_refused(&st, uri, status, needle).await;
    }
    let r = post(&st, "/api/v1/ingest/runs", "text/plain", b"x".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Runs name every body they take, Parquet included; other kinds theirs.
    assert_eq!(
        r.json()["errors"][0]["detail"],
        "Content-Type `text/plain` is not supported: use text/csv, application/x-ndjson, \
         application/json or application/vnd.apache.parquet"
    );
    let r = post(&st, "/api/v1/ingest/baselines", "text/plain", b"x".to_vec()).await;
    assert_eq!(
        r.json()["errors"][0]["detail"],
        "Content-Type `text/plain` is not supported: use text/csv, application/x-ndjson, or \
         application/json"
    );
    let r = post(&st, "/api/v1/ingest/things", "text/csv", b"x".to_vec()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = post(
        &st,
        "/api/v1/ingest/runs",
        "text/csv",
        b"source,run_id\ns,1\n".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.detail().contains("missing required columns"));
    let j = r.json();
    assert_eq!(j["stored"], false);
    assert_eq!(j["kind"], "runs");
    assert_eq!(j["written"], 0);
    assert_eq!(j["error"], j["errors"][0]["detail"]);
    let bad =
        b"source,run_id,workflow_id,started_at,status\ns,1,wf-a,2026-01-01T00:00:00Z,succeeded\n"
            .to_vec();
    let r = post(&st, "/api/v1/ingest/runs?strict=true", "text/csv", bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let j = r.json();
    assert_eq!(j["stored"], false);
    assert_eq!(j["rejects"][0]["line"], 2);
    assert_eq!(j["rejects"][0]["field"], "finished_at");
}

#[tokio::test]
async fn body_limit_answers_413_with_a_message() {
    let mut st = AppState::open(golden_store());
    st.max_body_bytes = 1024;
    let r = post(&st, "/api/v1/ingest/runs", "text/csv", vec![b'a'; 4096]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.detail().contains("larger than the limit"));
}

#[tokio::test]
async fn overview_page_and_health() {
    let st = AppState::open(golden_store());
    let r = get(&st, "/healthz").await.good();
    assert_eq!(r.json()["status"], "ok");
    let r = get(&st, "/?from=2026-01-01&to=2026-02-01")
        .await
        .good_as("text/html");
    let html = r.text();
    assert!(html.contains("<td>wf-a</td><td>9</td>"), "{html}");
    assert!(html.contains("format=csv"));
    // Every link on the page answers 200.
    let links: Vec<String> = html
        .split("href=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].replace("&amp;", "&"))
        .filter(|l| !l.starts_with("data:"))
        .collect();
    assert!(links.len() >= 9, "{links:?}");
    for link in links {
        let r = get(&st, &link).await;
        assert_eq!(r.status, StatusCode::OK, "{link}: {}", r.text());
    }
    let empty = AppState::open(Store::open_in_memory().unwrap());
    let html = get(&empty, "/").await.good().text();
    assert!(html.contains("No runs are stored yet"));
}

#[tokio::test]
async fn compare_as_json_and_csv() {
    let st = AppState::open(golden_store());
    let j = get(&st, "/api/v1/compare?workflow=wf-a&to=2026-02-01")
        .await
        .good()
        .json();
    let c = &j["comparisons"][0];
    assert_eq!(c["workflow_id"], "wf-a");
    assert_eq!(c["baseline"], "study");
    assert_eq!(c["from"], "2026-01-01T00:00:00Z");
    assert_eq!(c["resamples"], 2000);
    let row = &c["rows"][0];
    assert_eq!(row["metric"], "cycle_time_p50_min");
    assert_eq!(
        (row["before"].as_f64(), row["after"].as_f64()),
        (Some(70.0), Some(45.0))
    );
    for field in yardstick::metrics::compare::FIELDS {
        assert!(row.get(field).is_some(), "row lacks {field}");
    }
    let r = get(
        &st,
        "/api/v1/compare?workflow=wf-a&to=2026-02-01&format=csv",
    )
    .await
    .good();
    let text = r.text();
    assert!(text.starts_with("workflow_id,metric,unit,before,before_n,after,after_n,change,change_pct,ci_low,ci_high,verdict\n"));
    assert_eq!(text.lines().count(), 9);
    for (uri, needle) in [
        ("/api/v1/compare?baseline=guess", "baseline `guess`"),
        ("/api/v1/compare?workflow=wf-d", "no automated_since"),
        ("/api/v1/compare?resamples=5", "outside"),
        (
            "/api/v1/compare?from=2026-03-01&to=2026-02-01",
            "the period is empty",
        ),
    ] {
        assert_refused(&st, uri, StatusCode::BAD_REQUEST, needle).await;
    }
}

#[tokio::test]
async fn analysis_endpoints_answer_with_their_shapes_and_errors() {
    let st = AppState::open(golden_store());
    let j = get(
        &st,
        "/api/v1/trend?granularity=month&from=2026-01-01&to=2026-02-01&tz=Europe/Madrid",
    )
    .await
    .good()
    .json();
    assert_eq!(
        (j["granularity"].as_str(), j["tz"].as_str()),
        (Some("month"), Some("Europe/Madrid"))
    );
    assert_eq!(j["rows"].as_array().unwrap().len(), 4);
    let csv = get(
        &st,
        "/api/v1/trend?granularity=week&from=2026-01-05&to=2026-01-19&format=csv",
    )
    .await
    .good();
    assert_eq!(csv.text().lines().count(), 1 + 2 * 4);
    let j = get(&st, "/api/v1/portfolio?from=2026-01-01&to=2026-02-01")
        .await
        .good()
        .json();
    assert_eq!(j["headline"][0]["unit"], "hours");
    assert_eq!(j["from"], "2026-01-01T00:00:00Z");
    let j = get(&st, "/api/v1/summary?from=2026-01-01&to=2026-02-01")
        .await
        .good()
        .json();
    assert_eq!(j["previous_from"], "2025-12-01T00:00:00Z");
    let j = get(&st, "/api/v1/alerts?at=2026-02-02").await.good().json();
    assert_eq!(j["week_start"], "2026-01-26T00:00:00Z");
    assert_eq!(j["checks"].as_array().unwrap().len(), 3 * 4);
    assert!(
        j["alerts"].as_array().unwrap().is_empty(),
        "too little data to alert on"
    );
    let j = get(&st, "/api/v1/workflows?as_of=2020-01-01")
        .await
        .good()
        .json();
    assert!(
        j["workflows"].as_array().unwrap().is_empty(),
        "nothing was recorded in 2020"
    );
    for (uri, needle) in [
        ("/api/v1/trend?granularity=day", "granularity `day`"),
        ("/api/v1/trend?tz=Moon/Base", "time zone `Moon/Base`"),
        ("/api/v1/alerts?tz=Nowhere", "time zone `Nowhere`"),
        (
            "/api/v1/portfolio?from=2026-02-01&to=2026-01-01",
            "the period is empty",
        ),
        ("/api/v1/metrics?as_of=someday", "as_of"),
    ] {
        assert_refused(&st, uri, StatusCode::BAD_REQUEST, needle).await;
    }
}

#[tokio::test]
async fn dashboards_are_listed_rendered_and_exported() {
    let st = AppState::open(golden_store());
    let home = get(&st, "/").await.good().text();
    for name in ["leadership", "workflow", "finance"] {
        assert!(home.contains(&format!(
            "class=\"dashboard-link\" href=\"/dashboards/{name}\""
        )));
    }
    let q = "from=2026-01-01&to=2026-02-01";
    let page = get(&st, &format!("/dashboards/leadership?{q}"))
        .await
        .good_as("text/html");
    let html = page.text();
    for id in [
        "headline",
        "before-after",
        "weekly-reclaimed",
        "by-workflow",
        "regressions",
        "backlog",
    ] {
        assert!(html.contains(&format!("id=\"panel-{id}\"")), "{id}");
        for ext in ["csv", "svg", "png", "json"] {
            let url = format!("/dashboards/leadership/panels/{id}.{ext}?{q}");
            assert!(html.contains(&url.replace('&', "&amp;")), "{url}");
            let want = match ext {
                "csv" => "text/csv",
                "svg" => "image/svg+xml",
                "png" => "image/png",
                _ => "application/json",
            };
            let r = get(&st, &url).await.good_as(want);
            assert!(!r.body.is_empty());
        }
    }
    // The JSON of a panel holds the numbers the page shows.
    let j = get(
        &st,
        &format!("/dashboards/leadership/panels/headline.json?{q}"),
    )
    .await
    .good()
    .json();
    let v = j["rows"][0]["value"].as_f64().unwrap();
    assert!(html.contains(&format!("data-value=\"{v}\"")), "{v}");
    let x = get(&st, &format!("/dashboards/finance.xlsx?{q}"))
        .await
        .good_as("application/vnd.openxmlformats");
    assert_eq!(&x.body[..2], b"PK");

    let r = get(&st, "/dashboards/nope").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("leadership, workflow, finance"));
    let r = get(&st, "/dashboards/leadership?colour=red").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("colour"));
    let r = get(&st, "/dashboards/leadership/panels/nope.csv").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = get(&st, "/dashboards/leadership/panels/headline.gif").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = get(&st, "/dashboards/leadership?from=2026-02-01").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn event_logs_are_ingested_over_http() {
    let st = AppState::open(Store::open_in_memory().unwrap());
    let wf = std::fs::read(fixture("eventlogs/workflows.csv")).unwrap();
    post(&st, "/api/v1/ingest/workflows", "text/csv", wf)
        .await
        .good();
    let xes = r#"<log><trace><string key="concept:name" value="k1"/>
<event><string key="concept:name" value="A"/><string key="lifecycle:transition" value="start"/><date key="time:timestamp" value="2026-01-05T09:00:00Z"/></event>
<event><string key="concept:name" value="A"/><string key="lifecycle:transition" value="complete"/><date key="time:timestamp" value="2026-01-05T09:30:00Z"/></event>
<event><string key="concept:name" value="Reject"/><date key="time:timestamp" value="2026-01-05T10:00:00Z"/></event>
</trace></log>"#;
    let r = post(
        &st,
        "/api/v1/ingest/eventlog?workflow=helpdesk&source=web&failed_activity=rej*",
        "application/xml",
        xes.as_bytes().to_vec(),
    )
    .await
    .good()
    .json();
    assert_eq!(
        (r["written"].as_u64(), r["format"].as_str()),
        (Some(1), Some("xes"))
    );
    let m = get(
        &st,
        "/api/v1/metrics?from=2026-01-05&to=2026-01-06&workflow=helpdesk",
    )
    .await
    .good()
    .json();
    assert_eq!(m["rows"][0]["failed"], 1);
    // Without a workflow, with an unknown one, and with a content type that is no log.
    for (uri, content_type, status, needle) in [
        (
            "/api/v1/ingest/eventlog",
            "application/xml",
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "/api/v1/ingest/eventlog?workflow=nope",
            "application/xml",
            StatusCode::UNPROCESSABLE_ENTITY,
            "not in the catalogue",
        ),
        (
            "/api/v1/ingest/eventlog?workflow=helpdesk",
            "image/png",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "",
        ),
    ] {
        let r = post(&st, uri, content_type, xes.into()).await;
        assert_eq!(r.status, status, "{uri}");
        assert!(r.text().contains(needle), "{uri}: {}", r.text());
    }
}

#[tokio::test]
async fn a_webhook_pushes_one_run_and_updates_it() {
    let st = AppState::open(golden_store());
    let running = r#"{"source": "n8n", "run_id": "exec-1", "workflow_id": "wf-a",
        "started_at": "2026-03-20T09:00:00Z", "status": "running"}"#;
    let r = push(&st, running).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert_eq!(r.json()["written"], 1);
    let q = "/api/v1/metrics?from=2026-03-20&to=2026-03-21&workflow=wf-a";
    let m = get(&st, q).await.good().json();
    assert_eq!(
        (
            m["rows"][0]["running"].as_i64(),
            m["rows"][0]["succeeded"].as_i64()
        ),
        (Some(1), Some(0))
    );
    let done = r#"{"source": "n8n", "run_id": "exec-1", "workflow_id": "wf-a",
        "started_at": "2026-03-20T09:00:00Z", "finished_at": "2026-03-20T09:05:00Z", "status": "succeeded"}"#;
    let r = push(&st, done).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(r.json()["replaced"], 1);
    let m = get_current(&st, q).await.good().json();
    assert_eq!(
        (
            m["rows"][0]["running"].as_i64(),
            m["rows"][0]["succeeded"].as_i64()
        ),
        (Some(0), Some(1))
    );
    assert_eq!(m["rows"][0]["cycle_time_p50_min"].as_f64(), Some(5.0));
    // The same push again changes nothing; a bad one is refused with its reason.
    let r = push(&st, done).await;
    assert_eq!(
        (r.status, r.json()["unchanged"].as_u64()),
        (StatusCode::ACCEPTED, Some(1))
    );
    let bad = r#"{"source": "n8n", "run_id": "exec-2", "workflow_id": "wf-a", "started_at": "2026-03-20T09:00:00Z", "status": "done"}"#;
    let r = push(&st, bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("status"), "{}", r.text());
}

/// A run pushed as one JSON object, as a platform's webhook sends it.
async fn push(st: &AppState, run: &str) -> Answer {
    post(st, "/api/v1/ingest/runs", "application/json", run.into()).await
}

/// Every route, with a body where it takes one.
fn routes() -> Vec<(&'static str, &'static str)> {
    vec![
        ("GET", "/"),
        (
            "GET",
            "/dashboards/leadership?from=2026-01-01&to=2026-02-01",
        ),
        (
            "GET",
            "/dashboards/finance.xlsx?from=2026-01-01&to=2026-02-01",
        ),
        (
            "GET",
            "/dashboards/leadership/panels/headline.csv?from=2026-01-01&to=2026-02-01",
        ),
        ("GET", "/api/v1/workflows"),
        ("GET", "/api/v1/metrics?from=2026-01-01&to=2026-02-01"),
        ("GET", "/api/v1/compare?to=2026-02-01&workflow=wf-a"),
        ("GET", "/api/v1/trend?from=2026-01-01&to=2026-02-01"),
        ("GET", "/api/v1/alerts?at=2026-02-01"),
        ("GET", "/api/v1/portfolio?from=2026-01-01&to=2026-02-01"),
        ("GET", "/api/v1/waterfall?from=2026-01-01&to=2026-02-01"),
        ("GET", "/api/v1/summary?from=2026-01-01&to=2026-02-01"),
        ("GET", "/api/v1/backlog"),
        ("GET", "/api/v1/steps?workflow=wf-a"),
        ("POST", "/api/v1/ingest/runs"),
        ("POST", "/api/v1/ingest/baselines"),
        ("POST", "/api/v1/ingest/steps"),
        ("POST", "/api/v1/ingest/eventlog?workflow=wf-a"),
        ("POST", "/api/v1/ingest/workflows"),
        ("POST", "/api/v1/ingest/maps"),
        ("POST", "/api/v1/ingest/fx"),
        ("POST", "/api/v1/ingest/runs?platform=n8n"),
        ("GET", "/api/v1/maps"),
        ("GET", "/api/v1/tokens"),
        ("POST", "/api/v1/tokens?role=viewer&name=x"),
        ("POST", "/api/v1/tokens/0000000000000000/revoke"),
        ("GET", "/api/v1/rejects"),
        ("GET", "/api/v1/batches"),
        ("GET", "/metrics"),
        ("GET", "/api/v1/no-such-thing"),
        ("GET", "/dashboards/no-such-board"),
    ]
}

#[tokio::test]
async fn every_route_by_every_role() {
    use yardstick::auth::Role;
    let st = AppState::new(golden_store());
    let viewer = st.store.token_create("v", Role::Viewer).unwrap();
    let ingester = st.store.token_create("i", Role::Ingester).unwrap();
    let admin = st.store.token_create("a", Role::Admin).unwrap();
    let revoked = st.store.token_create("r", Role::Admin).unwrap();
    assert!(st.store.token_revoke(&revoked[3..19]).unwrap());
    let forged = format!("{}{}", &admin[..20], "0".repeat(admin.len() - 20));
    let mut checked = 0;
    for (method, path) in routes() {
        let need =
            yardstick::http::auth::needs(&method.parse().unwrap(), path.split('?').next().unwrap())
                .unwrap();
        for (who, token) in [
            ("none", None),
            ("garbage", Some("not-a-token".to_string())),
            ("forged", Some(forged.clone())),
            ("revoked", Some(revoked.clone())),
            ("viewer", Some(viewer.clone())),
            ("ingester", Some(ingester.clone())),
            ("admin", Some(admin.clone())),
        ] {
            let mut req = Request::builder().method(method).uri(path);
            if let Some(t) = &token {
                req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
            }
            let body = if method == "POST" {
                req = req.header(header::CONTENT_TYPE, "text/csv");
                Body::from("x\n")
            } else {
                Body::empty()
            };
            let r = send(&st, req.body(body).unwrap()).await;
            let role = match who {
                "viewer" => Some(Role::Viewer),
                "ingester" => Some(Role::Ingester),
                "admin" => Some(Role::Admin),
                _ => None,
            };
            let want = match role {
                None => StatusCode::UNAUTHORIZED,
                Some(r) if !r.allows(need) => StatusCode::FORBIDDEN,
                Some(_) => r.status,
            };
            assert_eq!(r.status, want, "{who} {method} {path}: {}", r.text());
            if role.is_some_and(|r| r.allows(need)) {
                assert!(
                    r.status != StatusCode::UNAUTHORIZED && r.status != StatusCode::FORBIDDEN,
                    "{who} {method} {path}"
                );
            }
            // A refusal never says whether the thing exists.
            if want == StatusCode::UNAUTHORIZED || want == StatusCode::FORBIDDEN {
                assert!(!r.text().contains("no-such"), "{}", r.text());
            }
            checked += 1;
        }
    }
    assert_eq!(checked, routes().len() * 7);
    // The health check and the login form are public.
    assert_eq!(get(&st, "/healthz").await.status, StatusCode::OK);
    assert_eq!(get(&st, "/login").await.status, StatusCode::OK);
    // The login form sets a cookie that pages accept.
    let r = send(
        &st,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={viewer}")))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = format!("yardstick_token={viewer}");
    let r = get_with(&st, "/", header::COOKIE.as_str(), &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    // A browser without a token gets the login form, with 401.
    let r = get_with(&st, "/dashboards/leadership", "accept", "text/html").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("action=\"/login\""));
}

#[tokio::test]
async fn an_idempotency_key_makes_a_retry_answer_the_same_and_store_nothing() {
    let st = AppState::open(golden_store());
    let keyed = |key: &str, body: &str| {
        Request::post("/api/v1/ingest/runs")
            .header(header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", key)
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let run = r#"{"source": "hook", "run_id": "r1", "workflow_id": "wf-a",
        "started_at": "2026-03-20T09:00:00Z", "finished_at": "2026-03-20T09:05:00Z", "status": "succeeded"}"#;
    let first = send(&st, keyed("k-1", run)).await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    let batches = st.store.batches(100).unwrap().len();
    let again = send(&st, keyed("k-1", run)).await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(
        again.body, first.body,
        "the retry gets the first answer, byte for byte"
    );
    assert_eq!(
        st.store.batches(100).unwrap().len(),
        batches,
        "and stores nothing"
    );
    let other = send(&st, keyed("k-1", &run.replace("r1", "r2"))).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(other.text().contains("different body"));
    let r = send(&st, keyed("", run)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Without a key the same body is an ordinary (idempotent) re-send: a new batch, nothing changed.
    let plain = push(&st, run).await;
    assert_eq!(plain.json()["unchanged"], 1);
}

#[tokio::test]
async fn requests_carry_ids_and_metrics_are_prometheus_text() {
    let st = AppState::open(golden_store());
    let bad = "source,run_id,workflow_id,started_at,status\ns,x1,wf-a,2026-01-05T09:00:00Z,done\n";
    post(&st, "/api/v1/ingest/runs", "text/csv", bad.into()).await;
    let r = get_with(&st, "/healthz", "x-request-id", "abc-123").await;
    let resp = get(&st, "/healthz").await;
    let id = resp.headers["x-request-id"].to_str().unwrap().to_string();
    assert!(id.starts_with('r') && id.len() > 1, "{id}");
    assert_eq!(r.status, StatusCode::OK);
    let metrics = get(&st, "/metrics").await;
    let text = metrics.good_as("text/plain; version=0.0.4").text();
    for needle in [
        "# TYPE yardstick_http_requests_total counter",
        "yardstick_http_requests_total{method=\"GET\",status=\"200\"}",
        "yardstick_http_request_duration_seconds_bucket{le=\"+Inf\"}",
        "yardstick_ingest_rows_total{kind=\"runs\",outcome=\"rejected\"}",
        "yardstick_rejects_total{field=\"status\"}",
        "yardstick_db_bytes ",
    ] {
        assert!(text.contains(needle), "{needle} missing in\n{text}");
    }
}

#[tokio::test]
async fn a_client_request_id_is_echoed() {
    let st = AppState::open(golden_store());
    let resp = get_with(&st, "/healthz", "x-request-id", "abc-123").await;
    assert_eq!(resp.headers["x-request-id"], "abc-123");
}

#[tokio::test]
async fn an_idempotency_key_tells_apart_bodies_that_are_not_utf8() {
    let st = AppState::open(golden_store());
    let send_key = |body: Vec<u8>| {
        Request::post("/api/v1/ingest/runs")
            .header(header::CONTENT_TYPE, "text/csv")
            .header("Idempotency-Key", "bin-1")
            .body(Body::from(body))
            .unwrap()
    };
    // Two different invalid bytes would read the same after a lossy UTF-8 conversion.
    let first = send(&st, send_key(b"source\xff".to_vec())).await;
    assert_eq!(first.status, StatusCode::UNPROCESSABLE_ENTITY);
    let other = send(&st, send_key(b"source\xfe".to_vec())).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(other.text().contains("different body"), "{}", other.text());
}

/// A body sent gzip-compressed (`Content-Encoding: gzip`, as `curl
/// --data-binary @runs.csv.gz` with that header sends it) is read as what it
/// holds: the same report as the plain body. A damaged one stores nothing; an
/// encoding not read is refused by name, not read as text ("not UTF-8").
#[tokio::test]
async fn a_gzip_body_is_read_as_what_it_holds() {
    let runs = std::fs::read(fixture("golden/runs.csv")).unwrap();
    let store_with_catalogue = || {
        let store = Store::open_in_memory().unwrap();
        let workflows = std::fs::read_to_string(fixture("golden/workflows.csv")).unwrap();
        crate::put_csv(&store, yardstick::model::Kind::Workflows, &workflows);
        AppState::open(store)
    };
    let posted = |st: AppState, encoding: Option<&'static str>, body: Vec<u8>| async move {
        let mut req = Request::post("/api/v1/ingest/runs").header(header::CONTENT_TYPE, "text/csv");
        if let Some(e) = encoding {
            req = req.header(header::CONTENT_ENCODING, e);
        }
        send(&st, req.body(Body::from(body)).unwrap()).await
    };
    let plain = posted(store_with_catalogue(), None, runs.clone())
        .await
        .json();
    let packed = crate::gzip(&runs);
    let st = store_with_catalogue();
    let gz = posted(st.clone(), Some("gzip"), packed.clone())
        .await
        .json();
    for field in ["rows_read", "accepted", "rejected", "written"] {
        assert_eq!(gz[field], plain[field], "{field}: {gz}");
    }
    assert_eq!(gz["written"], 17);
    // Cut in half: refused, and the second store still holds 17 runs only.
    let cut = posted(
        st.clone(),
        Some("gzip"),
        packed[..packed.len() / 2].to_vec(),
    )
    .await;
    assert_eq!(cut.status, StatusCode::BAD_REQUEST);
    assert!(
        cut.detail().contains("not whole gzip data"),
        "{}",
        cut.detail()
    );
    let brotli = posted(st.clone(), Some("br"), packed).await;
    assert_eq!(brotli.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        brotli
            .detail()
            .contains("Content-Encoding `br` is not read"),
        "{}",
        brotli.detail()
    );
    let again = posted(st, None, runs).await.json();
    assert_eq!(
        (&again["written"], &again["unchanged"]),
        (&0.into(), &17.into())
    );
}
