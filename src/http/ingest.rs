//! The ingest routes: `POST /api/v1/ingest/{kind}` (a file of workflows, runs,
//! baselines or steps, or one run pushed by a webhook) and
//! `POST /api/v1/ingest/eventlog` (an XES or CSV event log, one run per case).
//!
//! Every ingest answers with its report, and the rows it read are counted for
//! `/metrics` from that report, before it is turned into the answer's JSON. A
//! request with an `Idempotency-Key` runs once: a retry gets the first answer
//! back, byte for byte, and ingests nothing.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use schemars::{Schema, SchemaGenerator};
use serde::Deserialize;

use super::openapi::Op;
use super::query::{self, Fixed};
use super::{blocking, telemetry, ApiError, AppState};
use crate::ingest::eventlog::{LogFormat, LogOptions, Pattern};
use crate::ingest::{self, Format, IngestError, Input, Options};
use crate::model::Kind;
use crate::schema;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct IngestQuery {
    /// Refuse the whole batch (422, nothing stored) when any row is rejected.
    #[serde(default)]
    strict: bool,
    /// A name for the input (e.g. its file name), kept with the batch.
    name: Option<String>,
    /// runs: the body is this automation platform's run history (its API's
    /// list response, an execution its webhook posts, NDJSON or CSV), mapped
    /// through the stored workflow map; maps: the platform of a map without
    /// a `platform` column.
    platform: Option<String>,
    /// runs with platform=: the platform workflow of runs that name none
    /// (Make's scenario logs).
    platform_workflow: Option<String>,
    /// runs with platform=: the IANA time zone of timestamps without an offset.
    tz: Option<String>,
    /// fx (CSV): the currency the rates are into, for a body without a `to` column.
    to: Option<String>,
}

/// The schema of an ingest's answer: its report, with the error envelope's
/// `errors` beside it when the input could not be read at all.
pub(super) fn answer_schema(g: &mut SchemaGenerator) -> Schema {
    let errors = schema::array(g.subschema_for::<super::error::ErrorDetail>());
    schema::extended::<ingest::Report>(g, vec![("errors", errors)], &["errors"])
}

/// The schema of a refused ingest (422): the report (with `errors` when
/// nothing could be read), or only the error envelope (an Idempotency-Key
/// reused for another body, an event log that cannot be read).
pub(super) fn refused_schema(g: &mut SchemaGenerator) -> Schema {
    let answer = answer_schema(g);
    let error = g.subschema_for::<super::error::Envelope>();
    schemars::json_schema!({ "anyOf": [answer, error] })
}

/// A body of rows (`text/csv`, `application/x-ndjson`), as text.
pub(super) fn text_body_schema(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({ "type": "string" })
}

/// A JSON body: an array of rows (objects), or one object (one row; to
/// `ingest/runs`, a webhook's run); with `platform=`, the vendor's own shape.
pub(super) fn json_body_schema(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({
        "anyOf": [
            { "type": "object" },
            { "type": "array", "items": {} },
        ]
    })
}

/// The description of a file ingest route (`ingest/{workflows,baselines,…}`).
pub(super) fn op(summary: &'static str) -> Op {
    op_reading(summary, &[])
}

/// The description of `POST /api/v1/ingest/runs`: a file ingest that also
/// reads Parquet.
pub(super) fn runs_op(summary: &'static str) -> Op {
    op_reading(summary, &[(PARQUET, None)])
}

/// The Parquet media type (runs only; `yardstick ingest runs F.parquet` beside a server).
const PARQUET: &str = "application/vnd.apache.parquet";

fn op_reading(
    summary: &'static str,
    more: &[(&'static str, Option<super::openapi::SchemaFn>)],
) -> Op {
    let mut content = vec![
        (
            "text/csv",
            Some(text_body_schema as super::openapi::SchemaFn),
        ),
        ("application/x-ndjson", Some(text_body_schema)),
        ("application/json", Some(json_body_schema)),
    ];
    content.extend_from_slice(more);
    Op::new(summary)
        .describe(
            "The body's rows in CSV, NDJSON or JSON (see the README's \"Input files\"); the answer is the \
             ingest report. One JSON object to ingest/runs is a webhook's run: stored with the posts \
             that arrive with it in one transaction, and answered 202 once that has committed.",
        )
        .query::<IngestQuery>()
        .header(
            "Idempotency-Key",
            "1 to 200 visible characters: a retry with the same key and body gets the first answer \
             (with `Idempotent-Replayed: true`) and stores nothing",
        )
        .header("Content-Encoding", CONTENT_ENCODING)
        .body("the rows", &content)
        .json(200, "stored: the batch's report", answer_schema)
        .json(202, "one JSON object, stored (committed): its report", answer_schema)
        .json(
            422,
            "nothing could be read, `strict` refused the batch, the one object was refused, \
             or an Idempotency-Key came with another body",
            refused_schema,
        )
        .fails(&[400, 409, 415])
}

/// What an ingest route does with a `Content-Encoding` ([`decoded`]).
const CONTENT_ENCODING: &str =
    "`gzip`: the body is read decompressed, held to the body limit once \
     decompressed (413); a damaged one is 400 and stores nothing. Any other encoding is 415";

/// The description of `POST /api/v1/ingest/eventlog`.
pub(super) fn eventlog_op() -> Op {
    Op::new("An event log, one run per case, with its steps")
        .query_keys::<EventlogQuery>(EVENTLOG_KEYS)
        .requires("workflow")
        .header(
            "Idempotency-Key",
            "as on the other ingest routes: a retry with the same key and body stores nothing",
        )
        .header("Content-Encoding", CONTENT_ENCODING)
        .body(
            "XES, gzipped XES, or CSV",
            &[
                ("application/xml", None),
                ("application/gzip", None),
                ("text/csv", None),
            ],
        )
        .json(200, "stored: the batch's report", answer_schema)
        .json(
            422,
            "the log could not be read, or `strict` refused the batch",
            refused_schema,
        )
        .fails(&[400, 409, 415])
}

/// A server that reports from a lake takes no ingest: the lake is written
/// only by `yardstick lake publish`, from the DuckDB file where rows are
/// validated, deduplicated and versioned. Every ingest route answers 409
/// saying so (a layer over the routes in [`super::app`]).
pub(super) async fn refused_on_lake(
    State(st): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match &st.lake {
        Some(lake) if request.uri().path().starts_with("/api/v1/ingest/") => ApiError::conflict(format!(
            "this server reports from {lake}, which only `yardstick lake publish` writes: \
             ingest into the DuckDB file (`yardstick ingest`, or a server on the file), then publish"
        ))
        .into_response(),
        _ => next.run(request).await,
    }
}

/// The query of a file ingest, read after the kind and before the body so
/// that a bad request gets the same refusal as ever.
type Params = Result<Fixed<IngestQuery>, ApiError>;
type Body = Result<Bytes, BytesRejection>;

/// `POST /api/v1/ingest/runs`.
pub(super) async fn runs(st: State<AppState>, q: Params, h: HeaderMap, body: Body) -> Answer {
    post(st, Kind::Runs, q, h, body).await
}

/// `POST /api/v1/ingest/baselines`.
pub(super) async fn baselines(st: State<AppState>, q: Params, h: HeaderMap, body: Body) -> Answer {
    post(st, Kind::Baselines, q, h, body).await
}

/// `POST /api/v1/ingest/steps`.
pub(super) async fn steps(st: State<AppState>, q: Params, h: HeaderMap, body: Body) -> Answer {
    post(st, Kind::Steps, q, h, body).await
}

/// `POST /api/v1/ingest/maps`: the platform workflow map.
pub(super) async fn maps(st: State<AppState>, q: Params, h: HeaderMap, body: Body) -> Answer {
    post(st, Kind::Maps, q, h, body).await
}

/// `POST /api/v1/ingest/fx`: exchange rates into reporting currencies.
pub(super) async fn fx(st: State<AppState>, q: Params, h: HeaderMap, body: Body) -> Answer {
    post(st, Kind::Fx, q, h, body).await
}

/// `POST /api/v1/ingest/workflows`: the catalogue.
pub(super) async fn workflows(st: State<AppState>, q: Params, h: HeaderMap, body: Body) -> Answer {
    post(st, Kind::Workflows, q, h, body).await
}

/// `POST /api/v1/ingest/{kind}` for any other name: a kind spelled in a way
/// the routes above do not match, or 404 for what is no kind.
pub(super) async fn named(
    st: State<AppState>,
    Path(kind): Path<String>,
    q: Params,
    h: HeaderMap,
    body: Body,
) -> Answer {
    let kind: Kind = kind.parse().map_err(ApiError::not_found)?;
    post(st, kind, q, h, body).await
}

type Answer = Result<Response, ApiError>;

async fn post(
    State(st): State<AppState>,
    kind: Kind,
    query: Params,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let Fixed(q) = query?;
    let body = decoded(&st, &headers, body.map_err(|e| body_error(&st, e))?).await?;
    if let Some(p) = q.platform.clone() {
        return post_platform(&st, kind, &p, q, &headers, body).await;
    }
    if let Some(to) = q.to.clone() {
        if kind != Kind::Fx {
            return Err(ApiError::bad_request(
                "to= names the currency of a rate file: POST /api/v1/ingest/fx?to=EUR",
            ));
        }
        let ct = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if Format::from_content_type(ct) != Some(Format::Csv) {
            return Err(ApiError::unsupported(format!(
                "to= completes a CSV body (text/csv), not `{ct}`: in NDJSON or JSON give each rate its `to`"
            )));
        }
        let origin = q.name.unwrap_or_else(|| "http".to_string());
        let (store, bytes, strict) = (st.store.clone(), body.clone(), q.strict);
        let work = blocking(move || {
            let result = ingest::ingest_fx_to(&store, &bytes, &origin, &to, Options { strict });
            Ingested::of_batch(result, Kind::Fx, Format::Csv, &origin)
        });
        return once_per_key(&st, &headers, "/api/v1/ingest/fx?to", &body, work).await;
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .eq_ignore_ascii_case(PARQUET)
    {
        return post_parquet(&st, kind, q, &headers, body).await;
    }
    let format = Format::from_content_type(ct).ok_or_else(|| {
        let last = match kind {
            Kind::Runs => format!("application/json or {PARQUET}"),
            _ => "or application/json".to_string(),
        };
        ApiError::unsupported(format!(
            "Content-Type `{ct}` is not supported: use text/csv, application/x-ndjson, {last}"
        ))
    })?;
    let origin = q.name.unwrap_or_else(|| "http".to_string());
    let strict = q.strict;
    let route = format!("/api/v1/ingest/{}", kind.as_str());
    // One JSON object is one run pushed by a webhook: stored with the other
    // posts waiting at the same moment, in one transaction (group commit),
    // and answered 202 once that has committed.
    if kind == Kind::Runs && format == Format::Json && is_one_object(&body) {
        return post_one_run(&st, &headers, route, body, origin, strict).await;
    }
    let single = format == Format::Json && is_one_object(&body);
    let (store, bytes) = (st.store.clone(), body.clone());
    let work = blocking(move || {
        let input = Input {
            kind,
            format,
            origin: &origin,
            bytes: &bytes,
        };
        match ingest::ingest(&store, &input, Options { strict }) {
            Ok(report) => {
                let status = match (report.stored, single && report.rejected == 0) {
                    (true, true) => StatusCode::ACCEPTED,
                    (true, false) if !single => StatusCode::OK,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                Ok(Ingested::read(status, report))
            }
            // 422 with the error envelope and the (empty) report beside it.
            Err(IngestError::Unreadable(e)) => Ok(Ingested {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                report: ingest::Report::unreadable(&input, &e),
                unreadable: Some(e.0),
            }),
            Err(IngestError::Store(e)) => Err(ApiError::internal(e)),
        }
    });
    once_per_key(&st, &headers, &route, &body, work).await
}

/// A Parquet file of runs: written to a temporary file beside the server
/// (DuckDB's reader reads files) and read as `yardstick ingest runs F.parquet`
/// reads it, then removed.
async fn post_parquet(
    st: &AppState,
    kind: Kind,
    q: IngestQuery,
    headers: &HeaderMap,
    body: Bytes,
) -> Answer {
    if kind != Kind::Runs {
        return Err(ApiError::unsupported(format!(
            "Parquet is read for runs: POST it to /api/v1/ingest/runs, not {}",
            kind.as_str()
        )));
    }
    let origin = q.name.unwrap_or_else(|| "http".to_string());
    let (store, bytes, strict) = (st.store.clone(), body.clone(), q.strict);
    let work = blocking(move || {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "yardstick-upload-{}-{n}.parquet",
            std::process::id()
        ));
        std::fs::write(&path, &bytes).map_err(ApiError::internal)?;
        let result = ingest::ingest_parquet(&store, &path, &origin, Options { strict });
        let _ = std::fs::remove_file(&path);
        let mut answer = Ingested::of_batch(result, Kind::Runs, Format::Csv, &origin)?;
        answer.report.format = "parquet".into();
        Ok(answer)
    });
    once_per_key(st, headers, "/api/v1/ingest/runs", &body, work).await
}

/// `?platform=P` on the runs route (a vendor's body) or the maps route (a map
/// of P's workflows written without the platform column).
async fn post_platform(
    st: &AppState,
    kind: Kind,
    platform: &str,
    q: IngestQuery,
    headers: &HeaderMap,
    body: Bytes,
) -> Answer {
    let p: crate::ingest::platform::Platform = platform.parse().map_err(ApiError::bad_request)?;
    let tz = match &q.tz {
        Some(tz) => Some(
            crate::metrics::trend::parse_tz(tz)
                .map_err(|e| ApiError::bad_request(e.to_string()))?,
        ),
        None => None,
    };
    let cx = crate::ingest::platform::Context {
        platform_workflow: q.platform_workflow,
        tz,
    };
    let (name, strict) = (q.name, q.strict);
    if !matches!(kind, Kind::Runs | Kind::Maps) {
        return Err(ApiError::bad_request(format!(
            "platform= is for the runs and maps routes, not {}",
            kind.as_str()
        )));
    }
    let origin = name.unwrap_or_else(|| "http".to_string());
    let route = format!("/api/v1/ingest/{}?platform={}", kind.as_str(), p.as_str());
    let (store, bytes) = (st.store.clone(), body.clone());
    let work = blocking(move || {
        let result = match kind {
            Kind::Maps => ingest::ingest_map(&store, &bytes, &origin, p, Options { strict }),
            _ => ingest::ingest_platform(&store, &bytes, &origin, p, &cx, Options { strict }),
        };
        Ingested::of_batch(result, kind, Format::Json, &origin)
    });
    once_per_key(st, headers, &route, &body, work).await
}

/// An ingest's answer before it is sent: its status and report, and, when
/// the input could not be read at all, why.
struct Ingested {
    status: StatusCode,
    report: ingest::Report,
    unreadable: Option<String>,
}

impl Ingested {
    /// A batch's answer: 200 when it was stored, 422 when `strict` refused it.
    fn batch(report: ingest::Report) -> Ingested {
        let status = if report.stored {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        Ingested::read(status, report)
    }

    /// The answer to a whole batch read by one of the ingest functions: its
    /// report (200, or 422 when `strict` refused it), 422 with the reason
    /// when nothing could be read, 500 for a store failure.
    fn of_batch(
        result: Result<ingest::Report, IngestError>,
        kind: Kind,
        format: Format,
        origin: &str,
    ) -> Result<Ingested, ApiError> {
        match result {
            Ok(report) => Ok(Ingested::batch(report)),
            Err(IngestError::Unreadable(e)) => Ok(Ingested {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                report: ingest::Report::unreadable_from(kind, format, origin, &e),
                unreadable: Some(e.0),
            }),
            Err(IngestError::Store(e)) => Err(ApiError::internal(e)),
        }
    }

    fn read(status: StatusCode, report: ingest::Report) -> Ingested {
        Ingested {
            status,
            report,
            unreadable: None,
        }
    }

    /// Counts the report's rows and rejects for `/metrics`, and gives the
    /// answer's JSON: the report, with the error envelope beside it when the
    /// input could not be read.
    fn counted_body(&self) -> Result<Vec<u8>, ApiError> {
        telemetry::count_ingest(&self.report);
        match &self.unreadable {
            None => serde_json::to_vec(&self.report),
            Some(detail) => serde_json::to_value(&self.report).and_then(|mut v| {
                v["errors"] = serde_json::json!([{ "detail": detail }]);
                serde_json::to_vec(&v)
            }),
        }
        .map_err(ApiError::internal)
    }
}

/// A JSON answer of already serialized bytes.
fn json(status: StatusCode, bytes: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

/// Whether a JSON body is one object (not an array of them).
fn is_one_object(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

/// The Idempotency-Key of a request, checked: visible ASCII, 1 to 200 characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .map(|k| k.trim().to_string())
        .map_err(|_| ApiError::bad_request("Idempotency-Key must be visible ASCII"))?;
    if key.is_empty() || key.len() > 200 {
        return Err(ApiError::bad_request(
            "Idempotency-Key must have 1 to 200 characters",
        ));
    }
    Ok(Some(key))
}

/// A run pushed as one JSON object, through the group-commit writer.
async fn post_one_run(
    st: &AppState,
    headers: &HeaderMap,
    route: String,
    body: Bytes,
    origin: String,
    strict: bool,
) -> Answer {
    use ingest::group::{Keyed, Outcome, Post};
    let idempotency = idempotency_key(headers)?.map(|key| Keyed {
        key,
        route,
        body_sha256: crate::auth::digest_bytes(&body),
    });
    let outcome = st
        .group
        .submit(Post {
            body: body.to_vec(),
            origin,
            strict,
            idempotency,
        })
        .await
        .map_err(ApiError::internal)?;
    let status = StatusCode::from_u16(outcome.status()).unwrap_or(StatusCode::OK);
    Ok(match outcome {
        Outcome::Stored(report) => json(status, Ingested::read(status, report).counted_body()?),
        Outcome::Unreadable(report, detail) => {
            let mut v = serde_json::to_value(&report).map_err(ApiError::internal)?;
            v["errors"] = serde_json::json!([{ "detail": detail }]);
            (status, Json(v)).into_response()
        }
        Outcome::Replayed(_, answer) => replayed(status, answer),
        Outcome::KeyReused(detail) => ApiError::unprocessable(detail).into_response(),
    })
}

/// The kept answer to a retried request with the same Idempotency-Key.
fn replayed(status: StatusCode, answer: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::HeaderName::from_static("idempotent-replayed"),
                "true",
            ),
        ],
        answer,
    )
        .into_response()
}

/// The body as sent, or decompressed when its `Content-Encoding` is gzip
/// (`curl --data-binary @runs.csv.gz -H 'Content-Encoding: gzip'`), held to
/// the same limit once decompressed; another encoding is refused (415)
/// rather than read as text.
async fn decoded(st: &AppState, headers: &HeaderMap, body: Bytes) -> Result<Bytes, ApiError> {
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase())
        .unwrap_or_default();
    match encoding.as_str() {
        "" | "identity" => Ok(body),
        "gzip" | "x-gzip" => {
            let limit = st.max_body_bytes;
            blocking(move || {
                use std::io::Read;
                let mut out = Vec::new();
                flate2::read::MultiGzDecoder::new(&body[..])
                    .take(limit as u64 + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| {
                        ApiError::bad_request(format!(
                            "Content-Encoding gzip: the body is not whole gzip data ({e}); \
                             nothing was stored"
                        ))
                    })?;
                if out.len() > limit {
                    return Err(ApiError::too_large(format!(
                        "request body is larger than the limit of {limit} bytes once \
                         decompressed; split the file or raise --max-body-mb"
                    )));
                }
                Ok(Bytes::from(out))
            })
            .await
        }
        other => Err(ApiError::unsupported(format!(
            "Content-Encoding `{other}` is not read: send the body as it is, or gzip-compressed \
             with Content-Encoding: gzip"
        ))),
    }
}

/// The answer to a body that could not be read: too large, or broken.
fn body_error(st: &AppState, e: BytesRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(format!(
            "request body is larger than the limit of {} bytes; split the file or raise --max-body-mb",
            st.max_body_bytes
        ))
    } else {
        ApiError::bad_request(e.body_text())
    }
}

/// Runs an ingest once per `Idempotency-Key`: a retry with the same key and
/// body gets the first answer (with `Idempotent-Replayed: true`) and ingests
/// nothing; the same key with another body is refused with 422. A server
/// fault is an error, not an answer, so it is not kept and a retry after one
/// runs again.
async fn once_per_key(
    st: &AppState,
    headers: &HeaderMap,
    route: &str,
    body: &[u8],
    run: impl std::future::Future<Output = Result<Ingested, ApiError>>,
) -> Answer {
    let Some(key) = idempotency_key(headers)? else {
        let answer = run.await?;
        return Ok(json(answer.status, answer.counted_body()?));
    };
    let hash = crate::auth::digest_bytes(body);
    let (store, k, r) = (st.store.clone(), key.clone(), route.to_string());
    if let Some((h, status, answer)) =
        blocking(move || Ok(store.idempotent_answer(&k, &r)?)).await?
    {
        if h != hash {
            return Err(ApiError::unprocessable(format!(
                "Idempotency-Key `{key}` was used for a different body on this route: \
                 use a new key for new data"
            )));
        }
        return Ok(replayed(
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            answer,
        ));
    }
    let answer = run.await?;
    let (status, bytes) = (answer.status, answer.counted_body()?);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (store, r) = (st.store.clone(), route.to_string());
    blocking(move || {
        Ok(store.keep_answer(&crate::store::KeptAnswer {
            key: &key,
            route: &r,
            body_sha256: &hash,
            status: status.as_u16(),
            response: &text,
        })?)
    })
    .await?;
    Ok(json(status, bytes))
}

/// The query of an event-log upload: the CLI's flags, the patterns repeatable.
#[derive(Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub(super) struct EventlogQuery {
    /// The catalogued workflow the cases belong to (required).
    workflow: Option<String>,
    /// The runs' source (default `http`).
    source: Option<String>,
    /// A name for the input, kept with the batch.
    name: Option<String>,
    /// `true` or `1`: refuse the whole batch when any case is rejected.
    strict: Option<String>,
    /// The log's format; else from the Content-Type.
    #[serde(deserialize_with = "log_format")]
    #[schemars(with = "Option<LogFormatName>")]
    format: Option<LogFormat>,
    /// The CSV column of the case id.
    case_column: Option<String>,
    /// The CSV column of the activity.
    activity_column: Option<String>,
    /// The CSV column of the timestamp.
    timestamp_column: Option<String>,
    /// The CSV column of the lifecycle transition.
    lifecycle_column: Option<String>,
    /// The CSV column of the resource.
    resource_column: Option<String>,
    /// Activities (glob patterns) that mark a case failed; repeatable.
    failed_activity: Vec<String>,
    /// Activities that mark a case escalated; repeatable.
    escalated_activity: Vec<String>,
    /// Activities that mark a case cancelled; repeatable.
    cancelled_activity: Vec<String>,
    /// Activities that count as the first response; repeatable.
    response_activity: Vec<String>,
    /// Resources (patterns) that are people: their time is human time; repeatable.
    human_resource: Vec<String>,
}

/// The names `format=` takes on an event-log upload.
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
enum LogFormatName {
    #[schemars(rename = "xes")]
    Xes,
    #[schemars(rename = "xes.gz")]
    XesGz,
    #[schemars(rename = "csv")]
    Csv,
}

/// The keys of [`EventlogQuery`], in the order a refusal lists them.
pub(super) const EVENTLOG_KEYS: &[&str] = &[
    "workflow",
    "source",
    "name",
    "strict",
    "format",
    "case_column",
    "activity_column",
    "timestamp_column",
    "lifecycle_column",
    "resource_column",
    "failed_activity",
    "escalated_activity",
    "cancelled_activity",
    "response_activity",
    "human_resource",
];

fn log_format<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<LogFormat>, D::Error> {
    query::each(d, |v| match v {
        "xes" => Ok(LogFormat::Xes),
        "xes.gz" => Ok(LogFormat::XesGz),
        "csv" => Ok(LogFormat::Csv),
        other => Err(format!("format `{other}` is not xes, xes.gz or csv")),
    })
}

/// `POST /api/v1/ingest/eventlog?workflow=ID`: an XES (plain or gzip) or CSV
/// event log, one run per case. Parameters as the CLI's flags: `source`,
/// `format` (xes, xes.gz, csv; else from the Content-Type), the `*_column`
/// names, and repeatable `failed_activity`, `escalated_activity`,
/// `cancelled_activity`, `response_activity`, `human_resource` patterns.
pub(super) async fn eventlog(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let body = decoded(&st, &headers, body.map_err(|e| body_error(&st, e))?).await?;
    let q: EventlogQuery = query::read(raw.as_deref(), EVENTLOG_KEYS)?;
    let mut log = LogOptions::new("", "");
    let columns = [
        (q.case_column, &mut log.columns.case),
        (q.activity_column, &mut log.columns.activity),
        (q.timestamp_column, &mut log.columns.timestamp),
        (q.lifecycle_column, &mut log.columns.lifecycle),
        (q.resource_column, &mut log.columns.resource),
    ];
    for (given, column) in columns {
        if let Some(name) = given {
            *column = name;
        }
    }
    let patterns = [
        (&q.failed_activity, &mut log.failed),
        (&q.escalated_activity, &mut log.escalated),
        (&q.cancelled_activity, &mut log.cancelled),
        (&q.response_activity, &mut log.response),
        (&q.human_resource, &mut log.human),
    ];
    for (given, into) in patterns {
        into.extend(given.iter().map(|p| Pattern::new(p)));
    }
    let strict = q.strict.is_some_and(|v| v == "true" || v == "1");
    let name = q.name.unwrap_or_else(|| "http".to_string());
    log.workflow_id = q.workflow.ok_or_else(|| {
        ApiError::bad_request("give ?workflow=ID: the catalogued workflow the cases belong to")
    })?;
    log.source = q.source.unwrap_or_else(|| "http".to_string());
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let format = match q.format {
        Some(f) => f,
        None => match ct.as_str() {
            "application/xml" | "text/xml" | "application/x-xes+xml" => LogFormat::Xes,
            "application/gzip" | "application/x-gzip" => LogFormat::XesGz,
            "text/csv" | "application/csv" => LogFormat::Csv,
            _ => {
                return Err(ApiError::unsupported(format!(
                    "Content-Type `{ct}` is not an event log: use application/xml (XES), \
                     application/gzip (XES gzipped) or text/csv, or give ?format="
                )))
            }
        },
    };
    let route = "/api/v1/ingest/eventlog";
    let (store, bytes) = (st.store.clone(), body.clone());
    let work = blocking(move || {
        match ingest::ingest_eventlog(&store, &bytes[..], &name, format, &log, Options { strict }) {
            Ok(report) => Ok(Ingested::batch(report)),
            Err(IngestError::Unreadable(e)) => Err(ApiError::unprocessable(e.0)),
            Err(IngestError::Store(e)) => Err(ApiError::internal(e)),
        }
    });
    once_per_key(&st, &headers, route, &body, work).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_log_keys_are_the_fields_of_its_query() {
        // Every key the route takes is read into its field: one value each
        // (a pattern key gives a list of one).
        let raw: String = EVENTLOG_KEYS
            .iter()
            .map(|k| format!("{k}={}&", if *k == "format" { "csv" } else { "v" }))
            .collect();
        let q: EventlogQuery = query::read(Some(&raw), EVENTLOG_KEYS).unwrap();
        for (k, given) in [
            ("workflow", q.workflow.is_some()),
            ("source", q.source.is_some()),
            ("name", q.name.is_some()),
            ("strict", q.strict.is_some()),
            ("format", q.format == Some(LogFormat::Csv)),
            ("case_column", q.case_column.is_some()),
            ("activity_column", q.activity_column.is_some()),
            ("timestamp_column", q.timestamp_column.is_some()),
            ("lifecycle_column", q.lifecycle_column.is_some()),
            ("resource_column", q.resource_column.is_some()),
            ("failed_activity", q.failed_activity == ["v"]),
            ("escalated_activity", q.escalated_activity == ["v"]),
            ("cancelled_activity", q.cancelled_activity == ["v"]),
            ("response_activity", q.response_activity == ["v"]),
            ("human_resource", q.human_resource == ["v"]),
        ] {
            assert!(given, "{k} was not read");
        }
    }

    #[test]
    fn patterns_repeat_in_order() {
        let q: EventlogQuery = query::read(
            Some("failed_activity=b*&failed_activity=a*&strict=1&strict=no"),
            EVENTLOG_KEYS,
        )
        .unwrap();
        assert_eq!(q.failed_activity, ["b*", "a*"]);
        assert_eq!(q.strict.as_deref(), Some("no"));
    }
}
