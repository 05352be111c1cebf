//! JSON in and out: bodies are read with a size limit and Auth0's errors for bad JSON;
//! responses carry `application/json; charset=utf-8`, as Auth0's do.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use crate::error::ApiError;

pub const BODY_LIMIT: usize = 1024 * 1024;

pub const JSON_UTF8: &str = "application/json; charset=utf-8";

pub fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    json_bytes(status, to_bytes_or_log(value))
}

fn json_bytes(status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut resp = (status, bytes).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    resp
}

/// A typed body (an `orgwarden_proto` type) as JSON. Those are structs and string-keyed maps,
/// which always serialize; were one not to, the failure is logged and `null` sent.
pub fn to_json(body: &impl Serialize) -> Value {
    serde_json::to_value(body).unwrap_or_else(|e| {
        tracing::error!(error = %e, "a response body did not serialize");
        Value::Null
    })
}

/// Like [`to_json`], straight to the bytes sent (no `Value` in between).
fn to_bytes_or_log(body: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_else(|e| {
        tracing::error!(error = %e, "a response body did not serialize");
        b"null".to_vec()
    })
}

/// A JSON reply with a status, serialized when it is made.
pub struct Reply(StatusCode, Vec<u8>);

impl Reply {
    pub fn new(status: StatusCode, body: impl Serialize) -> Self {
        Reply(status, to_bytes_or_log(&body))
    }
    pub fn ok(body: impl Serialize) -> Self {
        Reply::new(StatusCode::OK, body)
    }
    pub fn created(body: impl Serialize) -> Self {
        Reply::new(StatusCode::CREATED, body)
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        json_bytes(self.0, self.1)
    }
}

/// 204 with no body (Auth0 still labels it JSON).
pub fn no_content() -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    resp
}

/// Reads the whole body, refusing more than [`BODY_LIMIT`] bytes with a 413.
pub async fn read_limited(body: Body) -> Result<axum::body::Bytes, ApiError> {
    to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| ApiError::PayloadTooLarge { limit: BODY_LIMIT })
}

/// A request body parsed as JSON (an empty body reads as `{}`); bad JSON gets Auth0's 400.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_limited(req.into_body()).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(Value::Object(Default::default())));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|_| ApiError::InvalidJson)
    }
}
