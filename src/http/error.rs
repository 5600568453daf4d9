//! The API's one error type and its one envelope:
//! `{"errors": [{"detail": "..."}]}`. A 5xx says "internal error" with an id
//! and the detail goes to the log, once, here. The report and store errors
//! become API errors here too: a bad request stays one, an engine that
//! cannot answer (Spark, asked for segments) is a 409 with its reason, a
//! store fault is internal.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::report::ReportError;

static NEXT_ERROR_ID: AtomicU64 = AtomicU64::new(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorKind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    TooLarge,
    Unsupported,
    Unprocessable,
    Conflict,
    BadGateway,
    Internal,
}

/// An error answered to an API client.
#[derive(Debug)]
pub struct ApiError {
    kind: ErrorKind,
    detail: String,
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorKind::BadRequest,
            detail: detail.into(),
        }
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorKind::Unauthorized,
            detail: detail.into(),
        }
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorKind::Forbidden,
            detail: detail.into(),
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorKind::NotFound,
            detail: detail.into(),
        }
    }
    pub fn too_large(detail: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorKind::TooLarge,
            detail: detail.into(),
        }
    }
    pub fn unsupported(detail: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorKind::Unsupported,
            detail: detail.into(),
        }
    }
    pub fn unprocessable(detail: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorKind::Unprocessable,
            detail: detail.into(),
        }
    }

    /// The request cannot be done by this server as it runs (409).
    pub fn conflict(detail: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorKind::Conflict,
            detail: detail.into(),
        }
    }

    /// A service this server called for the client failed (502): a
    /// platform's API during a pull.
    pub fn bad_gateway(detail: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorKind::BadGateway,
            detail: detail.into(),
        }
    }

    /// A server-side failure: logged with an id; the client sees only the id.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        let id = NEXT_ERROR_ID.fetch_add(1, Ordering::Relaxed);
        tracing::error!(error.id = id, "internal error {id}: {e}");
        ApiError {
            kind: ErrorKind::Internal,
            detail: format!("internal error (id {id})"),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self.kind {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::Unsupported => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::BadGateway => StatusCode::BAD_GATEWAY,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status(), self.detail)
    }
}

/// The error envelope, every error's body: `{"errors": [{"detail": "..."}]}`.
#[derive(serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "Error")]
pub(crate) struct Envelope {
    pub errors: Vec<ErrorDetail>,
}

/// One error: what went wrong, in words; a server fault says "internal
/// error (id N)" and the server's log has the detail.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub(crate) struct ErrorDetail {
    pub detail: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = Envelope {
            errors: vec![ErrorDetail {
                detail: self.detail,
            }],
        };
        (status, Json(body)).into_response()
    }
}

impl From<ReportError> for ApiError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::BadRequest(m) => ApiError::bad_request(m),
            ReportError::NotFound(m) => ApiError::not_found(m),
            ReportError::Conflict(m) => ApiError::conflict(m),
            ReportError::Store(e) => ApiError::internal(e),
            ReportError::Engine(e) => e.into(),
            ReportError::Metrics(e) => ApiError::internal(e),
        }
    }
}

/// An engine that cannot answer a request (segments, a version's runs or a
/// reporting currency on Spark) says so as a 409, its reason as the
/// detail: the request is sound, this server's engine cannot serve it. Any
/// other engine failure is the server's, logged under an id.
impl From<crate::engine::EngineError> for ApiError {
    fn from(e: crate::engine::EngineError) -> Self {
        match e {
            crate::engine::EngineError::Unsupported(why) => ApiError::conflict(why),
            e => ApiError::internal(e),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineError;

    #[test]
    fn an_engine_that_cannot_answer_is_a_conflict_with_its_reason() {
        let why = "segments and filters on attributes (by, where) are computed by DuckDB";
        let e = ApiError::from(ReportError::Engine(EngineError::Unsupported(why.into())));
        assert_eq!(e.status(), StatusCode::CONFLICT);
        assert_eq!(e.detail, why);
        let e = ApiError::from(EngineError::Unsupported(why.into()));
        assert_eq!((e.status(), e.detail.as_str()), (StatusCode::CONFLICT, why));
        // Any other engine failure stays the server's: logged, not shown.
        let e = ApiError::from(ReportError::Engine(EngineError::Failed(
            "spark: lost".into(),
        )));
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(e.detail.starts_with("internal error (id "), "{}", e.detail);
    }
}
