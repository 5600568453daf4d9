//! Work the server does on its database file for a client that cannot open
//! the file while the server holds it: a pull of a platform's run history
//! (`yardstick pull` beside a running server) and a lake publish
//! (`yardstick lake publish`). Each runs the same function the command runs
//! on the file, off the async threads.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::query::Fixed;
use super::{blocking, ApiError, AppState};
use crate::ingest::platform::Platform;
use crate::pull::{self, Pull, PullError};

/// What to pull: `yardstick pull`'s options, and the platform's key itself.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PullBody {
    /// n8n, zapier, power-automate, uipath or make.
    platform: String,
    /// The platform API's address, as `yardstick pull --url` takes it.
    url: String,
    /// The platform's API key or token: used for this pull's requests only,
    /// never stored or logged. Send it over HTTPS to a server not on this machine.
    token: String,
    /// Platform workflows to pull: Make's scenario ids (required), n8n's
    /// workflow ids (default: every workflow).
    #[serde(default)]
    workflows: Vec<String>,
    /// UiPath: the folder (organization unit id) whose jobs to list.
    folder: Option<String>,
    /// Runs per page asked of the API (1–5000; default 100).
    page_size: Option<u32>,
    /// The IANA time zone of timestamps without an offset (default UTC).
    tz: Option<String>,
    /// Store nothing if any run is rejected.
    #[serde(default)]
    strict: bool,
}

impl PullBody {
    /// The pull this asks for, or why it cannot be done (400).
    fn pull(self) -> Result<Pull, ApiError> {
        let platform: Platform = self.platform.parse().map_err(ApiError::bad_request)?;
        let page_size = self.page_size.unwrap_or(100);
        if !(1..=5000).contains(&page_size) {
            return Err(ApiError::bad_request(format!(
                "page_size {page_size} is not in 1..=5000"
            )));
        }
        let tz = self
            .tz
            .as_deref()
            .map(crate::metrics::trend::parse_tz)
            .transpose()
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        Ok(Pull {
            platform,
            url: self.url,
            token: self.token,
            workflows: self.workflows,
            folder: self.folder,
            page_size,
            tz,
            strict: self.strict,
        })
    }
}

/// The schema of [`pull`]'s answer.
pub(super) fn pulled_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    g.subschema_for::<pull::PullReport>()
}

/// `POST /api/v1/pull`: pulls a platform's run history into the file from
/// where the last pull of the same source stopped, as `yardstick pull`
/// does. 200 with the pull's report when what was fetched was stored; 422
/// with the report when `strict` refused the batch; 400 for a request that
/// cannot be done (no map, an unknown platform); 502 when the platform's
/// API failed.
pub(super) async fn pull(State(st): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    refuse_on_a_lake(&st, "pull")?;
    let body: PullBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("the pull's JSON body: {e}")))?;
    let p = body.pull()?;
    let report = blocking(move || {
        let http = pull::Http::new().map_err(ApiError::internal)?;
        pull::pull(&st.store, &p, &http).map_err(|e| match e {
            PullError::Usage(m) => ApiError::bad_request(m),
            PullError::Ingest(crate::ingest::IngestError::Unreadable(m)) => {
                ApiError::bad_request(m.0)
            }
            PullError::Http(m) => ApiError::bad_gateway(m),
            e => ApiError::internal(e),
        })
    })
    .await?;
    let status = match &report.ingest {
        Some(r) if !r.stored => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    Ok((status, Json(report)).into_response())
}

/// 409 when the server reports from a lake: its file keeps only tokens,
/// batches and rejects, so there is nothing to pull into or publish from.
fn refuse_on_a_lake(st: &AppState, what: &str) -> Result<(), ApiError> {
    match &st.lake {
        Some(lake) => Err(ApiError::conflict(format!(
            "this server reports from {lake}: run `yardstick {what}` on the DuckDB file the lake is published from"
        ))),
        None => Ok(()),
    }
}

/// Where to publish.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct LakeQuery {
    /// The lake's root as the server's machine sees it: an absolute
    /// directory or `s3://BUCKET/PREFIX` (credentials from the server's AWS_*).
    lake: String,
}

/// The schema of [`lake_publish`]'s answer: the committed manifest.
pub(super) fn manifest_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "description": "the committed snapshot's manifest: its name and rows per table, as `yardstick lake show` prints it"
    })
}

/// `POST /api/v1/lake/publish?lake=ROOT`: writes the file's tables to a new
/// snapshot under the lake and commits it, as `yardstick lake publish`
/// does; 201 with the manifest. A relative directory is refused (it would
/// be the server's working directory's, not the caller's).
pub(super) async fn lake_publish(
    State(st): State<AppState>,
    Fixed(q): Fixed<LakeQuery>,
) -> Result<Response, ApiError> {
    refuse_on_a_lake(&st, "lake publish")?;
    let root =
        crate::lake::Root::parse(&q.lake).map_err(|e| ApiError::bad_request(e.to_string()))?;
    if let crate::lake::Root::Dir(d) = &root {
        if d.is_relative() {
            return Err(ApiError::bad_request(format!(
                "lake `{}` is a relative directory: give the server an absolute one",
                q.lake
            )));
        }
    }
    let manifest = blocking(move || {
        let m = st.store.publish_lake(root).map_err(ApiError::internal)?;
        serde_json::to_value(&m).map_err(ApiError::internal)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(manifest)).into_response())
}
