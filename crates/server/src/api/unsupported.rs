//! Lists of things orgwarden does not manage, which export tools read (Auth0's Deploy CLI reads
//! actions with its database connections, and directory provisioning with its connections):
//! they answer as an Auth0 tenant that has none would. Writes to them answer 403
//! `operation_not_supported` with a message that says orgwarden does not manage them. The list is in docs/behaviour.md.

use axum::routing::get;
use axum::Router;
use serde_json::json;

use super::json::Reply;
use super::query::Query;
use crate::auth::principal::Principal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const READ_ACTIONS: &[&str] = &["read:actions"];
const CREATE_ACTIONS: &[&str] = &["create:actions"];
const READ_DIRECTORY_PROVISIONINGS: &[&str] = &["read:directory_provisionings"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/actions/actions", get(actions).post(create_action))
        .route(
            "/connections-directory-provisionings",
            get(directory_provisionings),
        )
}

/// `GET /actions/actions`: Auth0 answers this shape whatever `include_totals` says.
async fn actions(p: Principal, q: Query) -> ApiResult<Reply> {
    p.require(READ_ACTIONS)?;
    let page = q.int(
        "page",
        0,
        1000,
        0,
        "Use this field to request a specific page of the list results.",
    )?;
    let per_page = q.int("per_page", 0, 100, 50, "The maximum number of results to be returned by the server in single response. 20 by default")?;
    Ok(Reply::ok(
        json!({"actions": [], "total": 0, "page": page, "per_page": per_page}),
    ))
}

async fn create_action(p: Principal) -> ApiResult<Reply> {
    p.require(CREATE_ACTIONS)?;
    Err(ApiError::Unsupported("actions"))
}

/// `GET /connections-directory-provisionings` (checkpoint paging, no `next`: nothing follows).
async fn directory_provisionings(p: Principal) -> ApiResult<Reply> {
    p.require(READ_DIRECTORY_PROVISIONINGS)?;
    Ok(Reply::ok(json!({"directory_provisionings": []})))
}
