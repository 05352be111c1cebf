//! The one place where errors become Auth0's error body:
//! `{"statusCode":404,"error":"Not Found","message":"…","errorCode":"…"}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use orgwarden_domain::{Error as DomainError, NotFound};
use orgwarden_proto::error::{code, ErrorBody};
use serde_json::{json, Value};

/// Why a bearer token was refused (all 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Invalid,
    BadSignature,
    Expired,
}

impl TokenError {
    fn message(self) -> &'static str {
        match self {
            TokenError::Invalid => "Invalid token",
            TokenError::BadSignature => "Invalid signature received for JSON Web Token validation",
            TokenError::Expired => "Expired token received for JSON Web Token validation",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("missing authentication")]
    MissingAuthentication,
    #[error("bad authorization header")]
    BadAuthorizationHeader,
    #[error("token refused: {0:?}")]
    Token(TokenError),
    #[error("insufficient scope")]
    InsufficientScope(&'static [&'static str]),
    /// The caller would give a client (maybe itself) a power it does not hold.
    #[error("{0}")]
    Escalation(String),
    #[error("{0}")]
    InvalidQuery(String),
    #[error("{0}")]
    InvalidUri(String),
    /// `PUT /keys/signing/{kid}/revoke` on the current key.
    #[error("the current signing key cannot be revoked")]
    CurrentKeyRevocation,
    /// A change to the system resource server (the Management API itself).
    #[error("the system resource server cannot be changed")]
    SystemResourceServer,
    /// A write to something orgwarden does not manage (it lists none of it, `docs/behaviour.md`).
    #[error("orgwarden does not manage {0}")]
    Unsupported(&'static str),
    #[error("paging past 1000 records")]
    InvalidPaging,
    #[error("invalid JSON")]
    InvalidJson,
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("no such route")]
    RouteNotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    TooManyRequests(String),
    /// A 5xx forced by an injected fault.
    #[error("injected fault")]
    Injected(StatusCode),
    /// The cap on requests handled at once is reached (503 with `Retry-After`).
    #[error("too many requests in flight")]
    Overloaded,
    /// The request was not answered within the request timeout: 408 while its body was still
    /// arriving, 503 when the server was the slow one.
    #[error("request timed out")]
    RequestTimeout {
        after: std::time::Duration,
        awaiting_body: bool,
    },
}

/// `30s`, `1500ms`: a duration as the settings spell it.
fn spell(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms / 1000 * 1000 == ms {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// A request body refused by its schema (`orgwarden_proto`'s `parse`).
impl From<orgwarden_domain::Invalid> for ApiError {
    fn from(e: orgwarden_domain::Invalid) -> Self {
        ApiError::Domain(DomainError::Invalid(e))
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::Domain(DomainError::Internal(e))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

struct Body {
    status: StatusCode,
    message: String,
    code: Option<&'static str>,
    attributes: Option<Value>,
}

fn body(status: StatusCode, message: impl Into<String>, code: Option<&'static str>) -> Body {
    Body {
        status,
        message: message.into(),
        code,
        attributes: None,
    }
}

fn not_found(what: NotFound) -> Body {
    let (message, code) = match what {
        NotFound::Organization => ("No organization found by that id or name", None),
        NotFound::Connection => (
            "The connection does not exist",
            Some(code::INEXISTENT_CONNECTION),
        ),
        NotFound::EnabledConnection => ("No connection found by that id", None),
        NotFound::Client => ("The client does not exist", Some(code::INEXISTENT_CLIENT)),
        NotFound::ClientGrant => (
            "The grant does not exist.",
            Some(code::INEXISTENT_CLIENT_GRANT),
        ),
        NotFound::SigningKey => ("Signing key not found", None),
        NotFound::User => ("The user does not exist.", Some(code::INEXISTENT_USER)),
        NotFound::Role => ("The role does not exist.", None),
        NotFound::DiscoveryDomain => ("No organization domain found by that id", None),
        NotFound::Invitation => (
            "The invitation does not exist.",
            Some(code::INEXISTENT_INVITATION),
        ),
        NotFound::ResourceServer => (
            "The resource server does not exist",
            Some(code::INEXISTENT_RESOURCE_SERVER),
        ),
    };
    body(StatusCode::NOT_FOUND, message, code)
}

/// 503: too much at once, whether requests in flight or the storage's connections; the
/// response says to retry after a second.
fn busy() -> Body {
    body(
        StatusCode::SERVICE_UNAVAILABLE,
        "The server is handling too many requests at once; retry shortly.",
        Some("server_busy"),
    )
}

impl ApiError {
    /// A 503 asking to retry shortly (`Retry-After: 1`).
    fn is_busy(&self) -> bool {
        matches!(
            self,
            ApiError::Overloaded | ApiError::Domain(DomainError::Unavailable(_))
        )
    }

    fn to_body(&self) -> Body {
        match self {
            ApiError::Domain(e) => match e {
                DomainError::Invalid(m) => {
                    body(StatusCode::BAD_REQUEST, m.clone(), Some(code::INVALID_BODY))
                }
                DomainError::NotFound(what) => not_found(*what),
                DomainError::Conflict { message, code } => {
                    body(StatusCode::CONFLICT, message.clone(), Some(code))
                }
                DomainError::LimitReached(m) => body(
                    StatusCode::FORBIDDEN,
                    m.clone(),
                    Some(code::ENTITY_LIMIT_EXCEEDED),
                ),
                DomainError::Unavailable(_) => busy(),
                DomainError::Internal(_) => {
                    body(StatusCode::INTERNAL_SERVER_ERROR, "Internal error", None)
                }
            },
            ApiError::MissingAuthentication => {
                body(StatusCode::UNAUTHORIZED, "Missing authentication", None)
            }
            ApiError::BadAuthorizationHeader => body(
                StatusCode::BAD_REQUEST,
                "Bad HTTP authentication header format",
                Some(code::BEARER),
            ),
            ApiError::Token(t) => Body {
                attributes: Some(json!({ "error": t.message() })),
                ..body(StatusCode::UNAUTHORIZED, t.message(), None)
            },
            ApiError::InsufficientScope(scopes) => body(
                StatusCode::FORBIDDEN,
                format!("Insufficient scope, expected any of: {}", scopes.join(", ")),
                Some(code::INSUFFICIENT_SCOPE),
            ),
            ApiError::Escalation(m) => body(
                StatusCode::FORBIDDEN,
                m.clone(),
                Some(code::INSUFFICIENT_SCOPE),
            ),
            ApiError::SystemResourceServer => body(
                StatusCode::FORBIDDEN,
                "The system resource server (the Management API) cannot be changed or deleted.",
                Some(code::OPERATION_NOT_SUPPORTED),
            ),
            ApiError::Unsupported(what) => body(
                StatusCode::FORBIDDEN,
                format!("orgwarden does not manage {what}: this tenant has none, and none can be created."),
                Some(code::OPERATION_NOT_SUPPORTED),
            ),
            ApiError::InvalidQuery(m) => body(
                StatusCode::BAD_REQUEST,
                m.clone(),
                Some(code::INVALID_QUERY_STRING),
            ),
            ApiError::InvalidUri(m) => {
                body(StatusCode::BAD_REQUEST, m.clone(), Some(code::INVALID_URI))
            }
            ApiError::CurrentKeyRevocation => body(
                StatusCode::BAD_REQUEST,
                "The current signing key cannot be revoked: rotate the signing key first \
                 (POST /api/v2/keys/signing/rotate), then revoke the previous one.",
                None,
            ),
            ApiError::InvalidPaging => body(
                StatusCode::BAD_REQUEST,
                "Requesting page exceeds the allowed maximum of 1000 records.",
                Some(code::INVALID_PAGING),
            ),
            ApiError::InvalidJson => body(
                StatusCode::BAD_REQUEST,
                "Invalid request payload JSON format",
                Some(code::INVALID_BODY),
            ),
            ApiError::PayloadTooLarge { limit } => body(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Payload content length greater than maximum allowed: {limit}"),
                None,
            ),
            ApiError::RouteNotFound => body(StatusCode::NOT_FOUND, "Not Found", None),
            ApiError::TooManyRequests(m) => body(
                StatusCode::TOO_MANY_REQUESTS,
                m.clone(),
                Some(code::TOO_MANY_REQUESTS),
            ),
            ApiError::Injected(status) => body(*status, "Injected fault", None),
            ApiError::MethodNotAllowed => {
                body(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed", None)
            }
            ApiError::Overloaded => busy(),
            ApiError::RequestTimeout {
                after,
                awaiting_body: true,
            } => body(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "The request body was not received within {}.",
                    spell(*after)
                ),
                Some(code::REQUEST_TIMEOUT),
            ),
            ApiError::RequestTimeout {
                after,
                awaiting_body: false,
            } => body(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("The request was not answered within {}.", spell(*after)),
                Some(code::REQUEST_TIMEOUT),
            ),
        }
    }
}

/// Auth0's status text for a status code (`"Not Found"`, `"Too Many Requests"`, …).
pub fn status_text(status: StatusCode) -> &'static str {
    match status.as_u16() {
        413 => "Request Entity Too Large",
        s => StatusCode::from_u16(s)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error"),
    }
}

/// An Auth0-shaped error body for any status.
pub fn error_body(status: StatusCode, message: &str, code: Option<&str>) -> ErrorBody {
    ErrorBody::new(status.as_u16(), status_text(status), message, code)
}

/// [`error_body`] as JSON (used by middleware too).
pub fn error_json(status: StatusCode, message: &str, code: Option<&str>) -> Value {
    crate::api::json::to_json(&error_body(status, message, code))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let b = self.to_body();
        match &self {
            ApiError::Domain(DomainError::Internal(e)) => {
                tracing::error!(error = ?e, "internal error")
            }
            ApiError::Domain(DomainError::Unavailable(e)) => {
                tracing::warn!(error = ?e, "storage unavailable: answered 503")
            }
            _ => {}
        }
        let body = ErrorBody {
            attributes: b.attributes,
            ..error_body(b.status, &b.message, b.code)
        };
        let mut resp = crate::api::json::json_response(b.status, &crate::api::json::to_json(&body));
        if self.is_busy() {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if let ApiError::Token(t) = self {
            let h = format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\"",
                t.message()
            );
            if let Ok(h) = HeaderValue::from_str(&h) {
                resp.headers_mut().insert(header::WWW_AUTHENTICATE, h);
            }
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A storage that stays busy answers like a server with too many requests in flight:
    /// 503, Auth0's body, `Retry-After`; not a 500.
    #[tokio::test]
    async fn unavailable_storage_is_a_503_to_retry() {
        for e in [
            ApiError::Domain(DomainError::Unavailable(anyhow::anyhow!("pool timeout"))),
            ApiError::Overloaded,
        ] {
            let resp = e.into_response();
            assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(resp.headers()[header::RETRY_AFTER], "1");
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap();
            let body: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(
                body,
                json!({
                    "statusCode": 503,
                    "error": "Service Unavailable",
                    "message": "The server is handling too many requests at once; retry shortly.",
                    "errorCode": "server_busy"
                })
            );
        }
    }
}
