//! `GET /api/v2/openapi.json`: orgwarden's OpenAPI 3.1 document, public (it holds no secret).
//! The document is `crates/server/openapi.json`, served as checked in; the `openapi` test keeps
//! it in step with the routes and the scopes the handlers require.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::json::JSON_UTF8;
use crate::state::AppState;

/// The document, as checked in.
pub const DOCUMENT: &str = include_str!("../../openapi.json");

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(document))
}

async fn document() -> Response {
    let mut resp = (StatusCode::OK, DOCUMENT).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    resp
}
