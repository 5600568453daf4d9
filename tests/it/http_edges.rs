//! The HTTP API at its edges, pinned so that a change to how requests are
//! read shows here: query strings (repeated and comma-separated workflows,
//! a key given twice, unknown keys, bad values, and their exact messages),
//! the headers of the CSV answers, and the role every path needs, routes and
//! paths that are not routes alike.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use yardstick::auth::Role;
use yardstick::http::{auth, AppState};

use crate::client::{get, send};
use crate::golden_store;

/// Asserts that `uri` is answered with 200 and the same content as `same`.
async fn assert_same_content(st: &AppState, uri: &str, same: &str) {
    let a = get(st, uri).await;
    let b = get(st, same).await;
    assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.text());
    assert_eq!(a.content(), b.content(), "{uri} and {same}");
}

#[tokio::test]
async fn repeated_and_comma_separated_workflows_are_one_filter() {
    let st = AppState::open(golden_store());
    let base = "/api/v1/metrics?from=2026-01-01&to=2026-02-01";
    let repeated = get(&st, &format!("{base}&workflow=wf-a&workflow=wf-b")).await;
    assert_eq!(repeated.status, StatusCode::OK);
    let rows = repeated.json()["rows"].as_array().unwrap().len();
    assert_eq!(rows, 2);
    for q in [
        "&workflow=wf-b,wf-a",
        "&workflow=%20wf-b,,wf-a&workflow=wf-a&workflow=",
        "&workflow=wf-b&workflow=wf-a,wf-b",
    ] {
        let r = get(&st, &format!("{base}{q}")).await;
        assert_eq!(r.status, StatusCode::OK, "{q}");
        assert_eq!(r.content(), repeated.content(), "{q}");
    }
    // The same holds for the trend and for compare.
    assert_same_content(
        &st,
        "/api/v1/trend?from=2026-01-01&to=2026-02-01&workflow=wf-a&workflow=wf-b",
        "/api/v1/trend?from=2026-01-01&to=2026-02-01&workflow=wf-b,wf-a",
    )
    .await;
    assert_same_content(
        &st,
        "/api/v1/compare?to=2026-02-01&workflow=wf-a&workflow=wf-b&resamples=100&seed=1",
        "/api/v1/compare?to=2026-02-01&workflow=wf-b,wf-a&resamples=100&seed=1",
    )
    .await;
}

#[tokio::test]
async fn a_key_given_twice_keeps_its_last_value_and_an_empty_value_is_a_value() {
    let st = AppState::open(golden_store());
    assert_same_content(
        &st,
        "/api/v1/metrics?from=2026-01-01&to=2026-02-01",
        "/api/v1/metrics?from=2020-01-01&to=2026-02-01&from=2026-01-01",
    )
    .await;
    assert_same_content(
        &st,
        "/api/v1/trend?from=2026-01-01&to=2026-02-01&granularity=month",
        "/api/v1/trend?granularity=week&from=2026-01-01&to=2026-02-01&granularity=month",
    )
    .await;
    // `from=` is the empty text, not a missing key.
    let r = get(&st, "/api/v1/metrics?from=&to=2026-02-01").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.detail().starts_with("from: "), "{}", r.detail());
}

#[tokio::test]
async fn unknown_keys_and_bad_values_are_refused_with_the_same_words() {
    let st = AppState::open(golden_store());
    let mut wrong = Vec::new();
    for (uri, want) in [
        (
            "/api/v1/metrics?from=2026-01-01&frm=2026-01-01",
            "unknown parameter `frm`: use from, to, workflow, format, as_of, currency, by, where",
        ),
        (
            "/api/v1/trend?frm=2026-01-01",
            "unknown parameter `frm`: use granularity, tz, from, to, workflow, format, as_of, by, where",
        ),
        (
            "/api/v1/compare?frm=2026-01-01",
            "unknown parameter `frm`: use workflow, from, to, baseline, seed, resamples, interval, format, as_of, by, where",
        ),
        ("/api/v1/metrics?format=xml", "format `xml` is not json or csv"),
        ("/api/v1/trend?format=xml", "format `xml` is not json or csv"),
        ("/api/v1/compare?format=xml", "format `xml` is not json or csv"),
        (
            "/api/v1/steps?workflow=wf-a&format=xml",
            "format `xml` is not json or csv",
        ),
        (
            "/api/v1/trend?granularity=day",
            "granularity `day` is not week or month",
        ),
        ("/api/v1/compare?seed=x", "seed `x` is not a whole number"),
        (
            "/api/v1/compare?resamples=-1",
            "resamples `-1` is not a whole number",
        ),
        (
            "/api/v1/compare?baseline=nope",
            "baseline `nope` is not study, pre-runs or both",
        ),
        (
            "/api/v1/compare?interval=days",
            "interval `days` is not weeks or runs",
        ),
        // A bad value before an unknown key is the one answered.
        (
            "/api/v1/compare?seed=x&frm=1",
            "seed `x` is not a whole number",
        ),
        (
            "/api/v1/trend?format=xml&frm=1",
            "format `xml` is not json or csv",
        ),
        (
            "/api/v1/trend?frm=1&format=xml",
            "unknown parameter `frm`: use granularity, tz, from, to, workflow, format, as_of, by, where",
        ),
        // Every value of a typed key is read, not only the last.
        ("/api/v1/compare?seed=x&seed=1", "seed `x` is not a whole number"),
        (
            "/api/v1/trend?format=xml&format=csv",
            "format `xml` is not json or csv",
        ),
        // The routes whose keys do not repeat keep serde's words.
        (
            "/api/v1/portfolio?frm=2026-01-01",
            "Failed to deserialize query string: frm: unknown field `frm`, expected one of `from`, `to`, `as_of`, `currency`",
        ),
        (
            "/api/v1/summary?from=2026-01-01&from=2026-01-02",
            "Failed to deserialize query string: duplicate field `from`",
        ),
        (
            "/api/v1/steps?workflow=wf-a&workflow=wf-b",
            "Failed to deserialize query string: duplicate field `workflow`",
        ),
        (
            "/api/v1/alerts?tz=UTC&x=1",
            "Failed to deserialize query string: x: unknown field `x`, expected `at` or `tz`",
        ),
        (
            "/api/v1/rejects?limit=many",
            "Failed to deserialize query string: limit: invalid digit found in string",
        ),
    ] {
        let r = get(&st, uri).await;
        if r.status != StatusCode::BAD_REQUEST || r.detail() != want {
            wrong.push(format!("{uri}: {} {}", r.status, r.detail()));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[tokio::test]
async fn the_event_log_route_reads_its_query_as_before() {
    let st = AppState::open(golden_store());
    let post = |uri: &str, ct: &str| {
        Request::post(uri)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from("<log/>"))
            .unwrap()
    };
    for (uri, ct, status, want) in [
        (
            "/api/v1/ingest/eventlog?workflow=wf-a&frm=1",
            "application/xml",
            StatusCode::BAD_REQUEST,
            "unknown parameter `frm`: use workflow, source, name, strict, format, case_column, \
             activity_column, timestamp_column, lifecycle_column, resource_column, failed_activity, \
             escalated_activity, cancelled_activity, response_activity, human_resource",
        ),
        (
            "/api/v1/ingest/eventlog?workflow=wf-a&format=zip",
            "application/xml",
            StatusCode::BAD_REQUEST,
            "format `zip` is not xes, xes.gz or csv",
        ),
        (
            "/api/v1/ingest/eventlog?source=web",
            "application/xml",
            StatusCode::BAD_REQUEST,
            "give ?workflow=ID: the catalogued workflow the cases belong to",
        ),
        (
            "/api/v1/ingest/eventlog?workflow=wf-a",
            "image/png",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type `image/png` is not an event log: use application/xml (XES), \
             application/gzip (XES gzipped) or text/csv, or give ?format=",
        ),
        // `format` overrides the Content-Type; the last `workflow` counts.
        (
            "/api/v1/ingest/eventlog?workflow=wf-a&format=csv&workflow=nope",
            "image/png",
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
    ] {
        let r = send(&st, post(uri, ct)).await;
        assert_eq!(
            r.status,
            status,
            "{uri}: {}",
            String::from_utf8_lossy(&r.body)
        );
        if !want.is_empty() {
            assert_eq!(r.detail(), want, "{uri}");
        }
    }
}

#[tokio::test]
async fn csv_answers_keep_their_headers() {
    let st = AppState::open(golden_store());
    let r = get(
        &st,
        "/api/v1/metrics?from=2026-01-01&to=2026-02-01&format=csv",
    )
    .await
    .good();
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        r.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"metrics_20260101_20260201.csv\""
    );
    assert!(r.headers.contains_key("yardstick-generation"));
    for uri in [
        "/api/v1/trend?from=2026-01-01&to=2026-02-01&format=csv",
        "/api/v1/compare?to=2026-02-01&workflow=wf-a&resamples=100&format=csv",
    ] {
        let r = get(&st, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert_eq!(r.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        assert!(
            !r.headers.contains_key(header::CONTENT_DISPOSITION),
            "{uri}"
        );
        assert!(r.headers.contains_key("yardstick-stale"), "{uri}");
    }
    let r = get(&st, "/api/v1/steps?workflow=wf-a&format=csv").await;
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(!r.headers.contains_key("yardstick-stale"));
}

/// The role each path needs, routes and paths that are not routes alike.
#[test]
fn every_path_needs_the_role_it_needed() {
    let (v, i, a) = (Some(Role::Viewer), Some(Role::Ingester), Some(Role::Admin));
    for (method, path, want) in [
        ("GET", "/", v),
        ("GET", "//", v),
        ("HEAD", "/", a),
        ("POST", "/", a),
        ("GET", "/healthz", None),
        ("POST", "/healthz", None),
        ("GET", "/healthz/", None),
        ("GET", "/login", None),
        ("POST", "/login", None),
        ("DELETE", "/login", None),
        ("GET", "/dashboards", v),
        ("GET", "/dashboards/", v),
        ("GET", "/dashboards/leadership", v),
        ("GET", "/dashboards/finance.xlsx", v),
        ("GET", "/dashboards/leadership/panels/headline.csv", v),
        ("GET", "/dashboards/a/b/c/d", v),
        ("POST", "/dashboards/leadership", a),
        ("GET", "/api/v1/workflows", v),
        ("GET", "/api/v1/metrics", v),
        ("GET", "/api/v1/metrics/", v),
        ("HEAD", "/api/v1/metrics", a),
        ("POST", "/api/v1/metrics", a),
        ("GET", "/api/v1/compare", v),
        ("GET", "/api/v1/backlog", v),
        ("GET", "/api/v1/steps", v),
        ("GET", "/api/v1/trend", v),
        ("GET", "/api/v1/alerts", v),
        ("GET", "/api/v1/portfolio", v),
        ("GET", "/api/v1/summary", v),
        ("GET", "/api/v1/published", v),
        ("GET", "/api/v1/published/q1", v),
        ("GET", "/api/v1/published/q1/diff", v),
        ("GET", "/published/q1", v),
        ("POST", "/api/v1/publish", a),
        ("POST", "/api/v1/published/q1", a),
        ("POST", "/api/v1/ingest/runs", i),
        ("POST", "/api/v1/ingest/runs/", i),
        ("POST", "/api/v1/ingest/baselines", i),
        ("POST", "/api/v1/ingest/steps", i),
        ("POST", "/api/v1/ingest/eventlog", i),
        ("GET", "/api/v1/ingest/runs", a),
        ("PUT", "/api/v1/ingest/runs", a),
        ("POST", "/api/v1/ingest/workflows", a),
        ("POST", "/api/v1/ingest/things", a),
        ("POST", "/api/v1/ingest/ru%6Es", a),
        ("POST", "/api/v1/ingest", a),
        ("POST", "/api/v1/ingest/runs/more", a),
        ("GET", "/api/v1/rejects", a),
        ("GET", "/api/v1/batches", a),
        ("GET", "/metrics", a),
        ("GET", "/api/v1/nothing", a),
        ("GET", "/API/v1/metrics", a),
        ("GET", "/api/v1//metrics", a),
        ("GET", "/api/v1/metrics/more", a),
    ] {
        let m: Method = method.parse().unwrap();
        assert_eq!(auth::needs(&m, path), want, "{method} {path}");
    }
}

#[tokio::test]
async fn a_path_that_is_no_route_answers_by_the_role_it_needs() {
    let st = AppState::new(golden_store());
    let viewer = st.store.token_create("v", Role::Viewer).unwrap();
    let ingester = st.store.token_create("i", Role::Ingester).unwrap();
    let with = crate::client::with_token;
    // A viewer under /dashboards learns that there is no such page.
    let r = send(&st, with("GET", "/dashboards/a/b/c", &viewer)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Elsewhere a path that is no route is the admin's.
    let r = send(&st, with("GET", "/api/v1/nothing", &viewer)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(&st, with("POST", "/api/v1/metrics", &viewer)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(&st, with("POST", "/api/v1/ingest/workflows", &ingester)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json()["errors"][0]["detail"],
        "an `ingester` token may not do this; it needs an `admin` token"
    );
    // An ingester reads nothing: the refusal names who may.
    let r = send(&st, with("GET", "/api/v1/metrics", &ingester)).await;
    assert_eq!(
        (r.status, r.json()["errors"][0]["detail"].as_str()),
        (
            StatusCode::FORBIDDEN,
            Some("an `ingester` token may not do this; it needs a `viewer` or `admin` token")
        )
    );
    // The public paths need no token, whatever the method.
    let r = send(&st, Request::post("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let r = send(&st, Request::delete("/login").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}
