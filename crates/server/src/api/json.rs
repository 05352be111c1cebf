//! JSON in and out: bodies are read with a size limit and Auth0's errors for bad JSON;
//! responses carry `application/json; charset=utf-8`, as Auth0's do.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::ApiError;

pub const BODY_LIMIT: usize = 1024 * 1024;

pub const JSON_UTF8: &str = "application/json; charset=utf-8";

pub fn json_response(status: StatusCode, value: &Value) -> Response {
    let bytes = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = (status, bytes).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    resp
}

/// A JSON reply with a status.
pub struct Reply(pub StatusCode, pub Value);

impl Reply {
    pub fn ok(v: Value) -> Self {
        Reply(StatusCode::OK, v)
    }
    pub fn created(v: Value) -> Self {
        Reply(StatusCode::CREATED, v)
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        json_response(self.0, &self.1)
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
