//! The newer `/api/v2/organizations/{id}/connections` API (used by current SDKs and the
//! Terraform provider): the same data as `enabled_connections`, with `is_enabled` and
//! `organization_access_level`, and the envelope key `connections` with `limit = per_page`.
//!
//! orgwarden keeps only enabled connections, at access level `none`: a request for anything
//! else is refused with a clear 400 rather than silently ignored.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orgwarden_domain::enabled_connection::{NewEnabledConnection, SettingsPatch};
use orgwarden_domain::paging::{Listing, PageRequest};
use serde_json::Value;

use super::dto;
use super::enabled_connections::{CREATE, DELETE, READ, UPDATE};
use super::json::{no_content, JsonBody, Reply};
use super::list::{shape, LimitIs};
use super::path;
use super::query::{Paging, Query};
use crate::auth::principal::Principal;
use crate::error::ApiResult;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organizations/{id}/connections", get(list).post(add))
        .route(
            "/organizations/{id}/connections/{connection_id}",
            get(read).patch(update).delete(remove),
        )
}

/// Takes out the newer API's own fields, refusing values orgwarden does not model.
fn strip_newer_fields(mut body: Value) -> ApiResult<Value> {
    let Some(map) = body.as_object_mut() else {
        return Ok(body);
    };
    if let Some(v) = map.remove("is_enabled") {
        if v != Value::Bool(true) {
            return Err(orgwarden_domain::Error::invalid(
                "orgwarden supports only enabled organization connections: is_enabled must be true.",
            )
            .into());
        }
    }
    if let Some(v) = map.remove("organization_access_level") {
        if v != Value::String("none".into()) {
            return Err(orgwarden_domain::Error::invalid(
                "orgwarden supports only organization_access_level \"none\".",
            )
            .into());
        }
    }
    if let Some(v) = map.remove("organization_connection_name") {
        if !v.is_null() {
            return Err(orgwarden_domain::Error::invalid(
                "orgwarden does not support organization_connection_name yet.",
            )
            .into());
        }
    }
    Ok(body)
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
    let only_disabled = !q.bool("is_enabled", true, "Filter connections by enabled status.")?;
    let PageRequest::Offset { page, per_page } = paging.request else {
        unreachable!("offset paging")
    };
    let mut listing = state
        .store
        .list_enabled_connections(&org, page, per_page)
        .await?;
    if only_disabled {
        listing = Listing {
            items: Vec::new(),
            total: 0,
            next: None,
        };
    }
    Ok(Reply::ok(shape(
        "connections",
        &listing,
        &paging,
        LimitIs::PerPage,
        dto::organization_connection,
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
    let new = NewEnabledConnection::from_json(&strip_newer_fields(body)?)?;
    let e = state.store.enable_connection(&org, new).await?;
    Ok(Reply::created(dto::organization_connection(&e)))
}

async fn read(
    State(state): State<AppState>,
    p: Principal,
    Path((id, cid)): Path<(String, String)>,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let (org, cid) = (
        path::org_id(&id)?,
        path::connection_id(&cid, "connection_id")?,
    );
    let e = state.store.get_enabled_connection(&org, &cid).await?;
    Ok(Reply::ok(dto::organization_connection(&e)))
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
        path::connection_id(&cid, "connection_id")?,
    );
    let patch = SettingsPatch::from_json(&strip_newer_fields(body)?)?;
    let e = state
        .store
        .update_enabled_connection(&org, &cid, patch)
        .await?;
    Ok(Reply::ok(dto::organization_connection(&e)))
}

async fn remove(
    State(state): State<AppState>,
    p: Principal,
    Path((id, cid)): Path<(String, String)>,
) -> ApiResult<Response> {
    p.require(DELETE)?;
    let (org, cid) = (
        path::org_id(&id)?,
        path::connection_id(&cid, "connection_id")?,
    );
    state.store.disable_connection(&org, &cid).await?;
    Ok(no_content())
}
