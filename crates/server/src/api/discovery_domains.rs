//! `/api/v2/organizations/{id}/discovery-domains`: an organization's email domains and the DNS
//! record that verifies each. The rules are in `orgwarden_domain::rules::discovery_domains`.

use axum::extract::State;
use axum::handler::Handler;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orgwarden_domain::discovery_domain::DiscoveryDomain;
use orgwarden_domain::ids::DiscoveryDomainId;
use orgwarden_proto::discovery_domains::{CreateDiscoveryDomain, UpdateDiscoveryDomain};
use orgwarden_proto::Request;
use serde_json::json;

use super::json::{no_content, JsonBody, Reply};
use super::path::{self, Path};
use super::query::{decode_cursor, encode_cursor, Query};
use crate::auth::principal::Principal;
use crate::error::ApiResult;
use crate::ratelimit::plan::Group::{OrganizationsRead, OrganizationsWrite};
use crate::state::AppState;
use crate::tenant::Tenant;

pub const READ: &[&str] = &["read:organization_discovery_domains"];
pub const CREATE: &[&str] = &["create:organization_discovery_domains"];
pub const UPDATE: &[&str] = &["update:organization_discovery_domains"];
pub const DELETE: &[&str] = &["delete:organization_discovery_domains"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/organizations/{id}/discovery-domains",
            get(list.layer(OrganizationsRead.layer()))
                .post(create.layer(OrganizationsWrite.layer())),
        )
        .route(
            "/organizations/{id}/discovery-domains/{discovery_domain_id}",
            get(read.layer(OrganizationsRead.layer()))
                .patch(update.layer(OrganizationsWrite.layer()))
                .delete(remove.layer(OrganizationsWrite.layer())),
        )
        .route(
            "/organizations/{id}/discovery-domains/name/{discovery_domain}",
            get(read_by_name.layer(OrganizationsRead.layer())),
        )
}

/// Any id that is not well-formed names no domain: the lookup simply finds nothing.
fn domain_id(s: &str) -> DiscoveryDomainId {
    DiscoveryDomainId::from_trusted(s.to_owned())
}

async fn list(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let org = path::org_id(&id)?;
    // Checkpoint paging only.
    let take = q.int(
        "take",
        1,
        100,
        50,
        "Number of results per page. Defaults to 50.",
    )? as u32;
    let from = match q.str("from").filter(|s| !s.is_empty()) {
        Some(token) => Some(decode_cursor(token)?),
        None => None,
    };
    let listing = state.store.list_discovery_domains(&org, from, take).await?;
    let domains: Vec<_> = listing.items.iter().map(DiscoveryDomain::to_wire).collect();
    let mut body = json!({ "domains": domains });
    if let Some(next) = &listing.next {
        body["next"] = encode_cursor(next).into();
    }
    Ok(Reply::ok(body))
}

async fn create(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(CREATE)?;
    let org = path::org_id(&id)?;
    let d = DiscoveryDomain::new(&org, CreateDiscoveryDomain::parse(&body)?)?;
    let d = state.store.create_discovery_domain(d).await?;
    Ok(Reply::created(d.to_wire()))
}

async fn read(
    State(state): State<Tenant>,
    p: Principal,
    Path((id, domain)): Path<(String, String)>,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let org = path::org_id(&id)?;
    let d = state
        .store
        .get_discovery_domain(&org, &domain, false)
        .await?;
    Ok(Reply::ok(d.to_wire()))
}

async fn read_by_name(
    State(state): State<Tenant>,
    p: Principal,
    Path((id, name)): Path<(String, String)>,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let org = path::org_id(&id)?;
    let d = state.store.get_discovery_domain(&org, &name, true).await?;
    Ok(Reply::ok(d.to_wire()))
}

async fn update(
    State(state): State<Tenant>,
    p: Principal,
    Path((id, domain)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(UPDATE)?;
    let org = path::org_id(&id)?;
    let patch = UpdateDiscoveryDomain::parse(&body)?;
    let d = state
        .store
        .update_discovery_domain(&org, &domain_id(&domain), patch)
        .await?;
    Ok(Reply::ok(d.to_wire()))
}

async fn remove(
    State(state): State<Tenant>,
    p: Principal,
    Path((id, domain)): Path<(String, String)>,
) -> ApiResult<Response> {
    p.require(DELETE)?;
    let org = path::org_id(&id)?;
    state
        .store
        .delete_discovery_domain(&org, &domain_id(&domain))
        .await?;
    Ok(no_content())
}
