//! What is stored, as lists: the workflow catalogue (a viewer's, since every
//! report names its workflows), and the ingest batches with the rows they
//! rejected (an admin's: they show the raw input). The roles are declared
//! with the routes in [`super::app`].

use axum::extract::State;
use axum::Json;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;

use super::query::Fixed;
use super::reports::AsOfQuery;
use super::{blocking, ApiError, AppState};
use crate::report;
use crate::schema::{array, object};

/// `{"NAME": [T, ...]}`: the shape of every list answered here.
fn list<T: JsonSchema>(g: &mut SchemaGenerator, name: &str) -> Schema {
    object(vec![(name, array(g.subschema_for::<T>()))], &[])
}

/// The schema of [`workflows`]'s answer.
pub(super) fn workflows_schema(g: &mut SchemaGenerator) -> Schema {
    list::<crate::model::WorkflowSummary>(g, "workflows")
}

/// The schema of [`rejects`]'s answer.
pub(super) fn rejects_schema(g: &mut SchemaGenerator) -> Schema {
    list::<crate::store::StoredReject>(g, "rejects")
}

/// The schema of [`maps`]'s answer.
pub(super) fn maps_schema(g: &mut SchemaGenerator) -> Schema {
    list::<crate::store::MapLine>(g, "maps")
}

/// The schema of [`batches`]'s answer.
pub(super) fn batches_schema(g: &mut SchemaGenerator) -> Schema {
    list::<crate::store::BatchSummary>(g, "batches")
}

/// `GET /api/v1/workflows`: the catalogue, as it was at `as_of` if given.
pub(super) async fn workflows(
    State(st): State<AppState>,
    Fixed(q): Fixed<AsOfQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let as_of = report::parse_as_of(q.as_of.as_deref())?;
    let wfs = blocking(move || Ok(st.engine.workflows(as_of)?)).await?;
    Ok(Json(serde_json::json!({ "workflows": wfs })))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RejectsQuery {
    /// Only this batch's rejects.
    batch: Option<i64>,
    /// At most this many (default 1,000; 100,000 at most).
    limit: Option<u64>,
}

/// `GET /api/v1/rejects?batch=&limit=`: rejected rows, 1,000 unless told
/// (100,000 at most).
pub(super) async fn rejects(
    State(st): State<AppState>,
    Fixed(q): Fixed<RejectsQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let limit = q.limit.unwrap_or(1000).min(100_000);
    let rejects = blocking(move || Ok(st.store.rejects(q.batch, limit)?)).await?;
    Ok(Json(serde_json::json!({ "rejects": rejects })))
}

/// `GET /api/v1/maps`: the platform workflow map in force, each line with
/// the batch that recorded it.
pub(super) async fn maps(State(st): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let lines = blocking(move || Ok(st.store.platform_map_lines()?)).await?;
    Ok(Json(serde_json::json!({ "maps": lines })))
}

/// `GET /api/v1/batches`: the newest 1,000 ingest batches, newest first.
pub(super) async fn batches(
    State(st): State<AppState>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let batches = blocking(move || Ok(st.store.batches(1000)?)).await?;
    Ok(Json(serde_json::json!({ "batches": batches })))
}
