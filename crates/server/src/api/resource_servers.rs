//! `/api/v2/resource-servers`: the APIs clients get tokens for. `{id}` is the id or the
//! identifier, as Auth0. The Management API is listed first as the system resource server,
//! made from this server's audience; it cannot be changed or deleted.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orgwarden_domain::paging::{Listing, PageRequest};
use orgwarden_domain::resource_server::{ResourceServer, ResourceServerPatch};
use orgwarden_domain::scope::MANAGEMENT_SCOPES;
use orgwarden_proto::resource_servers::{CreateResourceServer, UpdateResourceServer};
use orgwarden_proto::Request;

use super::json::{no_content, JsonBody, Reply};
use super::list::{shape, LimitIs};
use super::path::Path;
use super::query::{Paging, Query};
use crate::auth::principal::Principal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::tenant::Tenant;

const READ: &[&str] = &["read:resource_servers"];
const CREATE: &[&str] = &["create:resource_servers"];
const UPDATE: &[&str] = &["update:resource_servers"];
const DELETE: &[&str] = &["delete:resource_servers"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/resource-servers", get(list).post(create))
        .route(
            "/resource-servers/{id}",
            get(read).patch(update).delete(remove),
        )
}

/// The Management API as a resource server.
fn system(state: &Tenant) -> ResourceServer {
    ResourceServer::management(&state.identity.audience, MANAGEMENT_SCOPES)
}

fn is_system(state: &Tenant, key: &str) -> bool {
    state.identity.is_management_audience(key) || system(state).id.as_str() == key
}

async fn list(State(state): State<Tenant>, p: Principal, q: Query) -> ApiResult<Reply> {
    p.require(READ)?;
    let paging = Paging::offset(&q)?;
    let PageRequest::Offset { page, per_page } = paging.request else {
        unreachable!("offset paging only");
    };
    // The system one is first: the stored ones start at position 1.
    let start = u64::from(page) * u64::from(per_page);
    let (offset, limit, with_system) = match start {
        0 => (0, per_page - 1, true),
        s => (s - 1, per_page, false),
    };
    let stored = state.store.list_resource_servers(offset, limit).await?;
    let items = with_system
        .then(|| system(&state))
        .into_iter()
        .chain(stored.items)
        .collect();
    let listing = Listing::offset(items, stored.total + 1);
    Ok(Reply::ok(shape(
        "resource_servers",
        &listing,
        &paging,
        LimitIs::PerPage,
        ResourceServer::to_wire,
    )))
}

async fn create(
    State(state): State<Tenant>,
    p: Principal,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(CREATE)?;
    let rs = ResourceServer::from(CreateResourceServer::parse(&body)?);
    if is_system(&state, &rs.identifier) {
        return Err(orgwarden_domain::Error::resource_server_identifier_taken().into());
    }
    let created = state.store.create_resource_server(rs).await?;
    Ok(Reply::created(created.to_wire()))
}

async fn read(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Reply> {
    p.require(READ)?;
    if is_system(&state, &id) {
        return Ok(Reply::ok(system(&state).to_wire()));
    }
    let rs = state.store.get_resource_server(&id).await?;
    Ok(Reply::ok(rs.to_wire()))
}

async fn update(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(UPDATE)?;
    let patch = ResourceServerPatch::from(UpdateResourceServer::parse(&body)?);
    if is_system(&state, &id) {
        return Err(ApiError::SystemResourceServer);
    }
    let current = state.store.get_resource_server(&id).await?;
    let rs = state
        .store
        .update_resource_server(&current.id, patch)
        .await?;
    Ok(Reply::ok(rs.to_wire()))
}

/// 204 whether or not there was one (Auth0's documented answers have no 404 here); its client
/// grants go with it.
async fn remove(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.require(DELETE)?;
    if is_system(&state, &id) {
        return Err(ApiError::SystemResourceServer);
    }
    match state.store.get_resource_server(&id).await {
        Ok(rs) => {
            state.store.delete_resource_server(&rs.id).await?;
        }
        Err(orgwarden_domain::Error::NotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(no_content())
}
