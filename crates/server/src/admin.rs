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
use crate::faults::{Rule, SCOPE};
use crate::operations::Operations;
use crate::state::AppState;

const FAULTS: &[&str] = &[SCOPE];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/faults", get(list).post(add).delete(clear))
        .route("/faults/{id}", delete(remove))
}

async fn list(State(operations): State<Arc<Operations>>, p: Principal) -> ApiResult<Reply> {
    p.require(FAULTS)?;
    Ok(Reply::ok(json!(operations.faults.list())))
}

async fn add(
    State(operations): State<Arc<Operations>>,
    p: Principal,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(FAULTS)?;
    let rule = Rule::from_json(&body)?;
    tracing::warn!(fault = %rule.id, rule = ?rule, "fault rule added");
    operations.faults.add(rule.clone());
    Ok(Reply::created(json!(rule)))
}

async fn clear(State(operations): State<Arc<Operations>>, p: Principal) -> ApiResult<Response> {
    p.require(FAULTS)?;
    operations.faults.clear();
    tracing::warn!("fault rules cleared");
    Ok(no_content())
}

async fn remove(
    State(operations): State<Arc<Operations>>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.require(FAULTS)?;
    operations.faults.remove(&id);
    Ok(no_content())
}
