//! `/api/v2/client-grants`: which client may get tokens for which audience, with which scopes.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orgwarden_domain::client::{ClientGrant, ClientGrantPatch, GrantFilter, NewClientGrant};
use orgwarden_proto::grants::{CreateClientGrant, UpdateClientGrant};
use orgwarden_proto::Request;

use super::json::{no_content, JsonBody, Reply};
use super::list::{shape, LimitIs};
use super::path::{self, Path};
use super::query::{Paging, Query};
use crate::auth::principal::Principal;
use crate::auth::privilege::require_may_grant;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::tenant::Tenant;

const READ: &[&str] = &["read:client_grants"];
const CREATE: &[&str] = &["create:client_grants"];
const UPDATE: &[&str] = &["update:client_grants"];
const DELETE: &[&str] = &["delete:client_grants"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/client-grants", get(list).post(create))
        .route(
            "/client-grants/{id}",
            get(read).patch(update).delete(remove),
        )
}

async fn list(State(state): State<Tenant>, p: Principal, q: Query) -> ApiResult<Reply> {
    p.require(READ)?;
    let paging = Paging::either(&q)?;
    let filter = GrantFilter {
        client_id: q
            .string("client_id", 64, "Optional filter on client_id.")?
            .map(str::to_owned),
        audience: q
            .string("audience", 600, "Optional filter on audience.")?
            .map(str::to_owned),
        ..GrantFilter::default()
    };
    let listing = state
        .store
        .list_grants(&filter, paging.request.clone())
        .await?;
    Ok(Reply::ok(shape(
        "client_grants",
        &listing,
        &paging,
        LimitIs::PerPage,
        ClientGrant::to_wire,
    )))
}

async fn create(
    State(state): State<Tenant>,
    p: Principal,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(CREATE)?;
    let grant = NewClientGrant::try_from(CreateClientGrant::parse(&body)?)?.into_grant();
    require_may_grant(&state, &p, &grant.audience, &grant.scope)?;
    let grant = state.store.create_grant(grant).await?;
    Ok(Reply::created(grant.to_wire()))
}

async fn read(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let grant = state.store.get_grant(&path::grant_id(&id)?).await?;
    Ok(Reply::ok(grant.to_wire()))
}

async fn update(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(UPDATE)?;
    let id = path::grant_id(&id)?;
    let patch = ClientGrantPatch::from(UpdateClientGrant::parse(&body)?);
    if let Some(scope) = &patch.scope {
        let current = state.store.get_grant(&id).await?;
        require_may_grant(&state, &p, &current.audience, scope)?;
    }
    let grant = state.store.update_grant(&id, patch).await?;
    Ok(Reply::ok(grant.to_wire()))
}

async fn remove(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.require(DELETE)?;
    // Deleting a grant that is not there is a 204, as Auth0 (recorded).
    match state.store.delete_grant(&path::grant_id(&id)?).await {
        Ok(()) | Err(orgwarden_domain::Error::NotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(no_content())
}
