//! The dashboard's CSS and JavaScript, compiled into the binary and served under a name that
//! carries a hash of their content, so they can be cached for a year.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

const FILES: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/app.js"),
    ),
    (
        "form_post.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/form_post.js"),
    ),
    (
        "web_message.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/web_message.js"),
    ),
];

/// The first 12 hex digits of the SHA-256 of every asset (one version for all).
fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        for (_, _, body) in FILES {
            ctx.update(body.as_bytes());
        }
        ctx.finish()
            .as_ref()
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect()
    })
}

/// The URL of an asset.
pub fn href(name: &str) -> String {
    super::paths::asset(version(), name)
}

pub fn router() -> Router<AppState> {
    Router::new().route(super::paths::ASSET, get(serve))
}

async fn serve(Path((v, name)): Path<(String, String)>) -> Response {
    let Some((_, kind, body)) = FILES.iter().find(|(n, _, _)| *n == name) else {
        return super::not_found().await.into_response();
    };
    let cache = if v == version() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        *body,
    )
        .into_response()
}
