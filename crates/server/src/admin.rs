//! orgwarden's own admin API, apart from Auth0's surface: `/orgwarden/v1/faults`
//! (scope `orgwarden:faults`) sets injected faults for testing clients.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use axum::routing::{delete, get};
use axum::Router;
use serde_json::json;

use crate::api::json::{no_content, JsonBody, Reply};
use crate::api::path::Path;
use crate::auth::principal::Principal;
use crate::error::ApiResult;
use crate::faults::{Faults, Rule, SCOPE};
use crate::state::AppState;

const FAULTS: &[&str] = &[SCOPE];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/faults", get(list).post(add).delete(clear))
        .route("/faults/{id}", delete(remove))
}

async fn list(State(faults): State<Arc<Faults>>, p: Principal) -> ApiResult<Reply> {
    p.require(FAULTS)?;
    Ok(Reply::ok(json!(faults.list())))
}

async fn add(
    State(faults): State<Arc<Faults>>,
    p: Principal,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(FAULTS)?;
    let rule = Rule::from_json(&body)?;
    tracing::warn!(fault = %rule.id, rule = ?rule, "fault rule added");
    faults.add(rule.clone());
    Ok(Reply::created(json!(rule)))
}

async fn clear(State(faults): State<Arc<Faults>>, p: Principal) -> ApiResult<Response> {
    p.require(FAULTS)?;
    faults.clear();
    tracing::warn!("fault rules cleared");
    Ok(no_content())
}

async fn remove(
    State(faults): State<Arc<Faults>>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.require(FAULTS)?;
    faults.remove(&id);
    Ok(no_content())
}
