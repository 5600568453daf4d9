//! The API tokens, an admin's: listed (never their secrets), created (the
//! token is in the answer once; only its hash is stored) and revoked. A
//! revoked token is refused from the next request on, as every request
//! checks its token against the store.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use schemars::{json_schema, Schema, SchemaGenerator};
use serde::Deserialize;

use super::query::Fixed;
use super::{blocking, ApiError, AppState};
use crate::schema::{array, object};

/// The schema of [`list`]'s answer.
pub(super) fn list_schema(g: &mut SchemaGenerator) -> Schema {
    object(
        vec![(
            "tokens",
            array(g.subschema_for::<crate::store::TokenInfo>()),
        )],
        &[],
    )
}

/// The schema of [`create`]'s answer.
pub(super) fn created_schema(g: &mut SchemaGenerator) -> Schema {
    let role = g.subschema_for::<crate::auth::Role>();
    object(
        vec![
            (
                "token",
                json_schema!({ "type": "string", "description": "the token, shown this once: `ys_<id>_<secret>`" }),
            ),
            ("role", role),
            ("name", json_schema!({ "type": "string" })),
        ],
        &[],
    )
}

/// The schema of [`revoke`]'s answer.
pub(super) fn revoked_schema(_: &mut SchemaGenerator) -> Schema {
    object(vec![("revoked", json_schema!({ "type": "string" }))], &[])
}

/// `GET /api/v1/tokens`: every token with its role, holder and dates.
pub(super) async fn list(State(st): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let tokens = blocking(move || Ok(st.store.tokens()?)).await?;
    Ok(Json(serde_json::json!({ "tokens": tokens })))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateQuery {
    /// The new token's role.
    #[schemars(with = "crate::auth::Role")]
    role: String,
    /// Who holds it.
    name: String,
}

/// `POST /api/v1/tokens?role=&name=`: 201 with the new token, shown this once.
pub(super) async fn create(
    State(st): State<AppState>,
    Fixed(q): Fixed<CreateQuery>,
) -> Result<Response, ApiError> {
    let (role, name) =
        crate::auth::token_request(&q.role, &q.name).map_err(ApiError::bad_request)?;
    let holder = name.clone();
    let token = blocking(move || Ok(st.store.token_create(&holder, role)?)).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "token": token, "role": role.as_str(), "name": name })),
    )
        .into_response())
}

/// `POST /api/v1/tokens/{id}/revoke`: 404 when no live token has the id.
pub(super) async fn revoke(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token_id = id.clone();
    if !blocking(move || Ok(st.store.token_revoke(&token_id)?)).await? {
        return Err(ApiError::not_found(format!("no live token `{id}`")));
    }
    Ok(Json(serde_json::json!({ "revoked": id })))
}
