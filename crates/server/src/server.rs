//! The HTTP application; serving it (limits, TLS, graceful shutdown) is in `serving`.

use std::sync::Arc;

use axum::extract::{FromRef, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;

use crate::api::json::json_response;
use crate::error::{error_json, ApiError};
use crate::ratelimit::limits::Limits;
use crate::state::AppState;

pub use crate::observability::REQUEST_ID;

/// Unknown paths: Auth0's JSON 404 (the dashboard has its own HTML 404 under `/dashboard`).
async fn not_found() -> ApiError {
    ApiError::RouteNotFound
}

/// Gives every response an `x-request-id` (the caller's, if it sent a sane one).
async fn request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| orgwarden_domain::ids::random_alphanumeric(20));
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(REQUEST_ID, v);
    }
    let mut resp = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    resp
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        &error_json(StatusCode::INTERNAL_SERVER_ERROR, "Internal error", None),
    )
}

/// The whole application: Management API, token endpoint, discovery.
///
/// The middleware every request goes through (request id, metrics and the access log, the
/// panic catcher, injected faults) wraps the routed application once, as one service, rather
/// than through `Router::layer`, which wraps each route's boxed service in another box: axum
/// clones a route's service on every call, and every clone of a box nested in boxes allocates
/// again (under callgrind the guide's call went from 195 allocations per request to 138, and
/// from 241k instructions to 229k).
pub fn router(state: AppState) -> Router {
    let routed = routes(state.clone());
    // The first layer is the outermost: the same order as the `Router::layer` calls this
    // replaced, last to first.
    let app = ServiceBuilder::new()
        .layer(middleware::from_fn(request_id))
        .layer(middleware::from_fn_with_state(
            state.operations().metrics.clone(),
            crate::observability::track,
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn_with_state(state, crate::faults::inject))
        .service(routed);
    Router::new().fallback_service(app)
}

/// The routes [`router`] serves, without the middleware it wraps them in (its `Debug` output
/// lists them: the OpenAPI test compares them with the document).
pub fn routes(state: AppState) -> Router {
    Router::new()
        .nest(
            "/api/v2",
            crate::api::router().layer(middleware::from_fn_with_state(
                Arc::<Limits>::from_ref(&state),
                crate::ratelimit::middleware::limit_api,
            )),
        )
        .nest("/orgwarden/v1", crate::admin::router())
        .nest(crate::ui::BASE, crate::ui::router())
        .route("/", get(crate::ui::home))
        .route(crate::ui::paths::BASE_SLASH, get(crate::ui::home))
        .route("/healthz", get(crate::observability::healthz))
        .route("/readyz", get(crate::observability::readyz))
        .route("/metrics", get(crate::operations::metrics))
        .route(
            "/oauth/token",
            post(crate::auth::token_endpoint::token).options(crate::login::cors::preflight),
        )
        .merge(crate::login::router())
        .route("/.well-known/jwks.json", get(crate::well_known::jwks))
        .route(
            "/.well-known/openid-configuration",
            get(crate::well_known::openid_configuration),
        )
        .route_layer(middleware::from_fn(crate::observability::label_route))
        .fallback(not_found)
        .with_state(state)
}

pub use crate::serving::serve;

/// rustls needs one process-wide crypto provider; we use aws-lc-rs (as for JWTs).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
