//! `/api/v2/organizations/{id}/client-grants`: the client grants that may give tokens for an
//! organization. The rules are in `orgwarden_domain::rules::organization_grants`.

use axum::extract::State;
use axum::handler::Handler;
use axum::response::Response;
use axum::routing::{delete, get};
use axum::Router;
use orgwarden_domain::client::{ClientGrant, GrantFilter};
use orgwarden_domain::ids::GrantId;
use orgwarden_proto::grants::AssociateOrganizationClientGrant;
use orgwarden_proto::Request;

use super::json::{no_content, JsonBody, Reply};
use super::list::{shape, LimitIs};
use super::path::{self, Path};
use super::query::{Paging, Query};
use crate::auth::principal::Principal;
use crate::error::ApiResult;
use crate::ratelimit::plan::Group::{OrganizationsRead, OrganizationsWrite};
use crate::state::AppState;
use crate::tenant::Tenant;

pub const READ: &[&str] = &["read:organization_client_grants"];
pub const CREATE: &[&str] = &["create:organization_client_grants"];
pub const DELETE: &[&str] = &["delete:organization_client_grants"];

/// At most this many `grant_ids` in one list request.
const MAX_GRANT_IDS: usize = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/organizations/{id}/client-grants",
            get(list.layer(OrganizationsRead.layer()))
                .post(associate.layer(OrganizationsWrite.layer())),
        )
        .route(
            "/organizations/{id}/client-grants/{grant_id}",
            delete(dissociate.layer(OrganizationsWrite.layer())),
        )
}

async fn list(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let org = path::org_id(&id)?;
    let paging = Paging::offset(&q)?;
    let ids = grant_ids(&q)?;
    let filter = GrantFilter {
        client_id: q
            .string("client_id", 64, "Optional filter on client_id.")?
            .map(str::to_owned),
        audience: q
            .string("audience", 600, "Optional filter on audience.")?
            .map(str::to_owned),
        organization: Some(org.clone()),
        ids,
    };
    // An organization that does not exist is a 404, not an empty list.
    state.store.get_organization(&org).await?;
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

/// `grant_ids`, repeated or comma-separated; an id that is not well-formed matches nothing.
fn grant_ids(q: &Query) -> ApiResult<Option<Vec<GrantId>>> {
    if !q.has("grant_ids") {
        return Ok(None);
    }
    let given: Vec<&str> = q
        .all("grant_ids")
        .into_iter()
        .flat_map(|v| v.split(','))
        .filter(|v| !v.is_empty())
        .collect();
    if given.len() > MAX_GRANT_IDS {
        return Err(crate::error::ApiError::from(orgwarden_domain::Error::invalid(
            format!("Query validation error: 'Too many items (max {MAX_GRANT_IDS})' on property grant_ids."),
        )));
    }
    Ok(Some(given.into_iter().filter_map(GrantId::parse).collect()))
}

async fn associate(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(CREATE)?;
    let org = path::org_id(&id)?;
    let body = AssociateOrganizationClientGrant::parse(&body)?;
    let Some(grant) = GrantId::parse(&body.grant_id) else {
        return Err(
            orgwarden_domain::Error::NotFound(orgwarden_domain::NotFound::ClientGrant).into(),
        );
    };
    let grant = state
        .store
        .associate_organization_grant(&org, &grant)
        .await?;
    Ok(Reply::created(grant.to_organization_wire()))
}

async fn dissociate(
    State(state): State<Tenant>,
    p: Principal,
    Path((id, grant)): Path<(String, String)>,
) -> ApiResult<Response> {
    p.require(DELETE)?;
    let org = path::org_id(&id)?;
    let grant = path::grant_id(&grant)?;
    state
        .store
        .dissociate_organization_grant(&org, &grant)
        .await?;
    Ok(no_content())
}
