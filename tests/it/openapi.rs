//! The OpenAPI document (`GET /api/v1/openapi.json`) against the server it
//! describes: the same routes as the router, both ways, with their roles;
//! real answers of every read route of the API on the golden fixture (and
//! of the writes that set it up, and errors) valid against their
//! operation's schema, in CSV too where offered; schemas strict enough that
//! a renamed, missing or extra member fails; and the document valid OpenAPI
//! 3.1 for an independent validator (`scripts/check-openapi.sh`).

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};
use yardstick::http::AppState;
use yardstick::store::Store;

use crate::client::{get, post, send, with_token, Answer};
use crate::{fixture, golden_store};

const JANUARY: &str = "from=2026-01-01&to=2026-02-01";

async fn document(st: &AppState) -> Value {
    get(st, "/api/v1/openapi.json")
        .await
        .good_as("application/json")
        .json()
}

/// The document's operations as (METHOD, path).
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            out.insert((method.to_ascii_uppercase(), path.clone()));
        }
    }
    out
}

use yardstick::http::example_path as concrete;

/// A JSON pointer's reference token.
fn token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// The schema of `method path`'s answer of `status` in `media`.
#[track_caller]
fn response_schema(doc: &Value, method: &str, path: &str, status: u16, media: &str) -> Value {
    let pointer = format!(
        "/paths/{}/{}/responses/{status}/content/{}/schema",
        token(path),
        method.to_ascii_lowercase(),
        token(media)
    );
    doc.pointer(&pointer)
        .unwrap_or_else(|| panic!("the document has no schema at {pointer}"))
        .clone()
}

/// What `instance` breaks of `schema`, whose references point into the
/// document's components (carried along), formats checked.
fn violations(doc: &Value, schema: &Value, instance: &Value) -> Vec<String> {
    let mut root = schema.clone();
    root.as_object_mut()
        .expect("an object schema")
        .insert("components".into(), doc["components"].clone());
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("the schema does not compile: {e}\n{schema:#}"));
    validator
        .iter_errors(instance)
        .map(|e| format!("at `{}`: {e}", e.instance_path()))
        .collect()
}

/// Asserts that a JSON answer of `method path` is valid against the
/// document's schema of its status.
#[track_caller]
fn check(doc: &Value, method: &str, path: &str, answer: &Answer) {
    assert!(
        answer.content_type().starts_with("application/json"),
        "{method} {path}: {} {}",
        answer.content_type(),
        answer.text()
    );
    let schema = response_schema(
        doc,
        method,
        path,
        answer.status.as_u16(),
        "application/json",
    );
    let wrong = violations(doc, &schema, &answer.json());
    assert!(
        wrong.is_empty(),
        "{method} {path} ({}) does not match its schema: {wrong:#?}\n{}",
        answer.status,
        answer.text()
    );
}

/// Every route the router serves is an operation of the document with its
/// role, and every operation is a route: from the route table, and by
/// asking the router itself every method of every documented path.
#[tokio::test]
async fn the_document_lists_every_route_and_only_routes_with_their_roles() {
    let st = AppState::open(Store::open_in_memory().unwrap());
    let doc = document(&st).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let declared: BTreeSet<(String, String)> = yardstick::http::auth::declared()
        .iter()
        .map(|d| (d.method.to_string(), d.path.to_string()))
        .collect();
    let documented = operations(&doc);
    assert_eq!(
        documented.difference(&declared).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "documented but not routes"
    );
    assert_eq!(
        declared.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes not documented"
    );
    assert!(documented.contains(&("GET".to_string(), "/api/v1/openapi.json".to_string())));

    for (method, path) in &documented {
        let op = &doc["paths"][path][method.to_ascii_lowercase()];
        let need = yardstick::http::auth::needs(&method.parse().unwrap(), &concrete(path));
        let role = need.map_or("anyone", |r| r.as_str());
        assert_eq!(op["x-yardstick-role"], role, "{method} {path}");
        let security = op["security"].as_array().expect("security");
        assert_eq!(security.is_empty(), need.is_none(), "{method} {path}");
        if need.is_some() {
            assert!(op["responses"]["401"].is_object(), "{method} {path}");
            assert!(op["responses"]["403"].is_object(), "{method} {path}");
        }
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{method} {path}"
        );
    }
    // The bearer scheme the operations name is described.
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    // The router: a documented path answers every documented method, and
    // only those (any other is 405), never falling through to the 404.
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for path in paths {
        let uri = concrete(path);
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            let req = Request::builder()
                .method(method)
                .uri(&uri)
                .body(Body::empty())
                .unwrap();
            let r = send(&st, req).await;
            assert!(!r.text().contains("no such route"), "{method} {uri}");
            let served = r.status != StatusCode::METHOD_NOT_ALLOWED;
            let listed = documented.contains(&(method.to_string(), path.clone()));
            assert_eq!(served, listed, "{method} {uri}: {} {}", r.status, r.text());
        }
    }
}

/// Every read route of the API answers the golden fixture with JSON its
/// schema accepts (and CSV where it offers it); so do the writes that set the
/// fixture up, an error, a refused token and an unreadable ingest.
#[tokio::test]
async fn real_answers_match_their_schemas() {
    let st = AppState::open(golden_store());
    let doc = document(&st).await;

    // Writes, each answer checked: a map, rates, a published report, then
    // more runs and steps (so the diff has steps), and two tokens, one revoked.
    let writes: Vec<(&str, String, &str, Vec<u8>)> = vec![
        (
            "/api/v1/ingest/maps",
            "/api/v1/ingest/maps?platform=zapier".into(),
            "text/csv",
            b"platform_workflow,workflow_id\n104445735,wf-b\n".to_vec(),
        ),
        (
            "/api/v1/ingest/fx",
            "/api/v1/ingest/fx?to=EUR".into(),
            "text/csv",
            b"date,currency,rate\n2026-01-01,USD,0.9\n".to_vec(),
        ),
        (
            "/api/v1/publish",
            format!("/api/v1/publish?name=january&{JANUARY}&currency=EUR"),
            "text/plain",
            Vec::new(),
        ),
        (
            "/api/v1/ingest/runs",
            "/api/v1/ingest/runs?name=batch2".into(),
            "application/x-ndjson",
            std::fs::read(fixture("golden/runs_batch2.ndjson")).unwrap(),
        ),
        (
            "/api/v1/ingest/steps",
            "/api/v1/ingest/steps".into(),
            "text/csv",
            b"source,run_id,step,started_at,finished_at,actor,resource\n\
              s1,a1,Check,2026-01-02T09:10:00Z,2026-01-02T09:20:00Z,human,ann\n\
              s1,a1,Enter,2026-01-02T09:30:00Z,2026-01-02T09:35:00Z,System,bot-7\n\
              s1,nope,Check,2026-01-02T09:10:00Z,2026-01-02T09:20:00Z,human,ann\n"
                .to_vec(),
        ),
        (
            "/api/v1/tokens",
            "/api/v1/tokens?role=viewer&name=ann".into(),
            "text/plain",
            Vec::new(),
        ),
        (
            "/api/v1/tokens",
            "/api/v1/tokens?role=admin&name=ben".into(),
            "text/plain",
            Vec::new(),
        ),
    ];
    let mut token_id = String::new();
    for (path, uri, content_type, body) in writes {
        let r = post(&st, &uri, content_type, body).await;
        assert!(
            r.status.is_success(),
            "POST {uri}: {} {}",
            r.status,
            r.text()
        );
        check(&doc, "POST", path, &r);
        if path == "/api/v1/tokens" {
            let token = r.json()["token"].as_str().unwrap().to_string();
            token_id = token["ys_".len()..token.rfind('_').unwrap()].to_string();
        }
    }
    let revoke = format!("/api/v1/tokens/{token_id}/revoke");
    let r = post(&st, &revoke, "text/plain", Vec::new()).await.good();
    check(&doc, "POST", "/api/v1/tokens/{id}/revoke", &r);

    // Every GET under /api/ with the requests that exercise it; each answer
    // checked with the count of what it must hold, so that the schema of the
    // items is exercised too.
    let reads: Vec<(&str, String, &str, usize)> = vec![
        (
            "/api/v1/workflows",
            "/api/v1/workflows".into(),
            "/workflows",
            4,
        ),
        (
            "/api/v1/metrics",
            format!("/api/v1/metrics?{JANUARY}&currency=EUR"),
            "/rows",
            4,
        ),
        ("/api/v1/metrics", "/api/v1/metrics".into(), "/rows", 4),
        (
            "/api/v1/compare",
            "/api/v1/compare".into(),
            "/comparisons",
            2,
        ),
        ("/api/v1/backlog", "/api/v1/backlog".into(), "/rows", 1),
        (
            "/api/v1/impact",
            "/api/v1/impact?workflow=wf-a".into(),
            "/impacts",
            6,
        ),
        (
            "/api/v1/steps",
            format!("/api/v1/steps?workflow=wf-a&{JANUARY}"),
            "/steps/rows",
            2,
        ),
        ("/api/v1/outcomes", "/api/v1/outcomes".into(), "/rows", 0),
        (
            "/api/v1/versions",
            "/api/v1/versions?workflow=wf-a".into(),
            "/versions",
            1,
        ),
        (
            "/api/v1/trend",
            format!("/api/v1/trend?{JANUARY}&granularity=week"),
            "/rows",
            20,
        ),
        (
            "/api/v1/alerts",
            "/api/v1/alerts?at=2026-01-26".into(),
            "/checks",
            1,
        ),
        (
            "/api/v1/portfolio",
            format!("/api/v1/portfolio?{JANUARY}&currency=EUR"),
            "/groups",
            3,
        ),
        (
            "/api/v1/portfolio",
            format!("/api/v1/portfolio?{JANUARY}"),
            "/headline",
            1,
        ),
        (
            "/api/v1/waterfall",
            format!("/api/v1/waterfall?{JANUARY}"),
            "/rows",
            5,
        ),
        (
            "/api/v1/summary",
            format!("/api/v1/summary?{JANUARY}&currency=EUR"),
            "/figures",
            3,
        ),
        (
            "/api/v1/summary",
            format!("/api/v1/summary?{JANUARY}"),
            "/figures",
            3,
        ),
        (
            "/api/v1/published",
            "/api/v1/published".into(),
            "/published",
            1,
        ),
        (
            "/api/v1/published/{name}",
            "/api/v1/published/january".into(),
            "/report/comparisons",
            1,
        ),
        (
            "/api/v1/published/{name}/diff",
            "/api/v1/published/january/diff".into(),
            "/steps",
            1,
        ),
        ("/api/v1/rejects", "/api/v1/rejects".into(), "/rejects", 10),
        ("/api/v1/batches", "/api/v1/batches".into(), "/batches", 6),
        ("/api/v1/maps", "/api/v1/maps".into(), "/maps", 1),
        ("/api/v1/tokens", "/api/v1/tokens".into(), "/tokens", 2),
        (
            "/api/v1/openapi.json",
            "/api/v1/openapi.json".into(),
            "/paths/~1api~1v1~1metrics/get/parameters",
            6,
        ),
    ];
    // A read route added without a request here fails: every GET of the API is read.
    let read: BTreeSet<&str> = reads.iter().map(|(p, ..)| *p).collect();
    let gets: BTreeSet<String> = operations(&doc)
        .into_iter()
        .filter(|(m, p)| m == "GET" && p.starts_with("/api/"))
        .map(|(_, p)| p)
        .collect();
    assert_eq!(
        gets.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        read,
        "every GET route of the API has a request in this test"
    );
    for (path, uri, items, at_least) in &reads {
        let r = get(&st, uri).await.good();
        check(&doc, "GET", path, &r);
        let json = r.json();
        let n = json
            .pointer(items)
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("{uri}: no array at {items}: {json:#}"))
            .len();
        assert!(
            n >= *at_least,
            "{uri}: {n} items at {items}, fewer than {at_least}"
        );
        let op = &doc["paths"][*path]["get"];
        let kept = op["responses"]["200"]["headers"]["Yardstick-Generation"].is_object();
        assert_eq!(
            r.headers.contains_key("yardstick-generation"),
            kept,
            "{uri}: the freshness headers are there iff the document says the answer is kept"
        );
        // CSV, where the document offers it, with the content type it says.
        if op["responses"]["200"]["content"]["text/csv"].is_object() {
            let sep = if uri.contains('?') { '&' } else { '?' };
            let r = get(&st, &format!("{uri}{sep}format=csv"))
                .await
                .good_as("text/csv");
            let header = r.text().lines().next().unwrap_or_default().to_string();
            assert!(
                header.split(',').count() > 3,
                "{uri} as CSV: header `{header}`"
            );
        }
    }

    // A panel of a dashboard as JSON, kept like the report answers.
    let panel = "/dashboards/{name}/panels/{file}";
    let r = get(
        &st,
        &format!("/dashboards/leadership/panels/by-workflow.json?{JANUARY}"),
    )
    .await
    .good();
    check(&doc, "GET", panel, &r);
    assert!(!r.json()["rows"].as_array().unwrap().is_empty());

    // Errors: a bad value (400), an unknown workflow (404), an unreadable
    // ingest (422, the report with the errors beside it), a key used for
    // another body (422, the envelope alone).
    let r = get(&st, "/api/v1/metrics?format=xml").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.detail(), "format `xml` is not json or csv");
    check(&doc, "GET", "/api/v1/metrics", &r);
    let r = get(&st, &format!("/api/v1/metrics?{JANUARY}&workflow=nope")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    check(&doc, "GET", "/api/v1/metrics", &r);
    let r = post(
        &st,
        "/api/v1/ingest/runs",
        "text/csv",
        b"nothing,useful\n1,2\n".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.json()["errors"][0]["detail"].is_string(), "{}", r.text());
    assert_eq!(r.json()["stored"], false);
    check(&doc, "POST", "/api/v1/ingest/runs", &r);
    let keyed = |body: &'static [u8]| {
        Request::post("/api/v1/ingest/baselines")
            .header(header::CONTENT_TYPE, "text/csv")
            .header("idempotency-key", "k-1")
            .body(Body::from(body))
            .unwrap()
    };
    let baselines = b"workflow_id,observed_at,handle_minutes\nwf-a,2026-01-05T10:00:00Z,7\n";
    let first = send(&st, keyed(baselines)).await;
    check(&doc, "POST", "/api/v1/ingest/baselines", &first);
    let other = send(&st, keyed(b"workflow_id,observed_at,handle_minutes\n")).await;
    assert_eq!(
        other.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other.text()
    );
    check(&doc, "POST", "/api/v1/ingest/baselines", &other);

    // A server that checks tokens: none (401) and too weak a role (403).
    let guarded = AppState::new(golden_store());
    let r = get(&guarded, "/api/v1/metrics").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    check(&doc, "GET", "/api/v1/metrics", &r);
    let ingester = guarded
        .store
        .token_create("i", yardstick::auth::Role::Ingester)
        .unwrap();
    let r = send(&guarded, with_token("GET", "/api/v1/metrics", &ingester)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    check(&doc, "GET", "/api/v1/metrics", &r);
}

/// The schemas are strict: an answer with a member renamed, missing or
/// added fails, in a derived schema (the metric table) and in one written
/// by hand (the summary).
#[tokio::test]
async fn a_renamed_missing_or_extra_member_fails_its_schema() {
    let st = AppState::open(golden_store());
    let doc = document(&st).await;
    for (path, uri, pointer, member) in [
        (
            "/api/v1/metrics",
            format!("/api/v1/metrics?{JANUARY}"),
            "/rows/0",
            "reclaimed_hours",
        ),
        (
            "/api/v1/summary",
            format!("/api/v1/summary?{JANUARY}"),
            "",
            "figures",
        ),
        (
            "/api/v1/trend",
            format!("/api/v1/trend?{JANUARY}"),
            "/rows/0",
            "period_start_utc",
        ),
    ] {
        let answer = get(&st, &uri).await.good().json();
        let schema = response_schema(&doc, "GET", path, 200, "application/json");
        assert_eq!(violations(&doc, &schema, &answer), Vec::<String>::new());
        let edit = |f: &dyn Fn(&mut serde_json::Map<String, Value>)| {
            let mut a = answer.clone();
            f(a.pointer_mut(pointer).unwrap().as_object_mut().unwrap());
            violations(&doc, &schema, &a)
        };
        let renamed = edit(&|o| {
            let v = o.remove(member).unwrap();
            o.insert(format!("{member}_renamed"), v);
        });
        assert_eq!(renamed.len(), 2, "{uri}: {renamed:?}");
        let missing = edit(&|o| {
            o.remove(member);
        });
        assert_eq!(missing.len(), 1, "{uri}: {missing:?}");
        assert!(missing[0].contains(member), "{missing:?}");
        let extra = edit(&|o| {
            o.insert("surprise".into(), json!(1));
        });
        assert_eq!(extra.len(), 1, "{uri}: {extra:?}");
    }
}

/// The document is valid OpenAPI 3.1 for openapi-spec-validator, run by
/// `scripts/check-openapi.sh`; without the validator this fails, saying how
/// to install it.
#[tokio::test]
async fn the_document_is_valid_openapi_3_1() {
    let st = AppState::open(Store::open_in_memory().unwrap());
    let doc = document(&st).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check-openapi.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{} {} failed ({}):\n{}{}",
        script.display(),
        file.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
