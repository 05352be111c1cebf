//! `/api/v2/organizations/{id}/enabled_connections`: the connections an organization offers.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orgwarden_domain::enabled_connection::{NewEnabledConnection, SettingsPatch};
use orgwarden_domain::paging::PageRequest;

use super::dto;
use super::json::{no_content, JsonBody, Reply};
use super::list::{shape, LimitIs};
use super::path;
use super::query::{Paging, Query};
use crate::auth::principal::Principal;
use crate::error::ApiResult;
use crate::state::AppState;

pub const READ: &[&str] = &["read:organization_connections"];
pub const CREATE: &[&str] = &["create:organization_connections"];
pub const UPDATE: &[&str] = &["update:organization_connections"];
pub const DELETE: &[&str] = &["delete:organization_connections"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/organizations/{id}/enabled_connections",
            get(list).post(add),
        )
        .route(
            "/organizations/{id}/enabled_connections/{connection_id}",
            get(read).patch(update).delete(remove),
        )
}

async fn list(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let org = path::org_id(&id)?;
    let paging = Paging::offset(&q)?;
    let PageRequest::Offset { page, per_page } = paging.request else {
        unreachable!("offset paging")
    };
    let listing = state
        .store
        .list_enabled_connections(&org, page, per_page)
        .await?;
    Ok(Reply::ok(shape(
        "enabled_connections",
        &listing,
        &paging,
        LimitIs::ItemCount,
        dto::enabled_connection,
    )))
}

async fn add(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(CREATE)?;
    let org = path::org_id(&id)?;
    let new = NewEnabledConnection::from_json(&body)?;
    let e = state.store.enable_connection(&org, new).await?;
    Ok(Reply::created(dto::enabled_connection(&e)))
}

async fn read(
    State(state): State<AppState>,
    p: Principal,
    Path((id, cid)): Path<(String, String)>,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let (org, cid) = (
        path::org_id(&id)?,
        path::connection_id(&cid, "connectionId")?,
    );
    let e = state.store.get_enabled_connection(&org, &cid).await?;
    Ok(Reply::ok(dto::enabled_connection(&e)))
}

async fn update(
    State(state): State<AppState>,
    p: Principal,
    Path((id, cid)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(UPDATE)?;
    let (org, cid) = (
        path::org_id(&id)?,
        path::connection_id(&cid, "connectionId")?,
    );
    let patch = SettingsPatch::from_json(&body)?;
    let e = state
        .store
        .update_enabled_connection(&org, &cid, patch)
        .await?;
    Ok(Reply::ok(dto::enabled_connection(&e)))
}

async fn remove(
    State(state): State<AppState>,
    p: Principal,
    Path((id, cid)): Path<(String, String)>,
) -> ApiResult<Response> {
    p.require(DELETE)?;
    let (org, cid) = (
        path::org_id(&id)?,
        path::connection_id(&cid, "connectionId")?,
    );
    state.store.disable_connection(&org, &cid).await?;
    Ok(no_content())
}
