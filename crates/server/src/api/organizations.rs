//! `/api/v2/organizations`: list, create, get (by id or name), update, delete.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use orgwarden_domain::ids::OrgId;
use orgwarden_domain::organization::{NewOrganization, Organization, OrganizationPatch, Sort};
use orgwarden_proto::organizations::{CreateOrganization, UpdateOrganization};
use orgwarden_proto::Request;

use super::json::{no_content, JsonBody, Reply};
use super::list::{shape, LimitIs};
use super::path::{self, Path};
use super::query::{Paging, Query};
use crate::auth::principal::Principal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const READ: &[&str] = &["read:organizations", "read:organizations_summary"];
const READ_BY_NAME: &[&str] = &["read:organizations"];
const CREATE: &[&str] = &["create:organizations"];
const CREATE_CONNECTIONS: &[&str] = &["create:organization_connections"];
const UPDATE: &[&str] = &["update:organizations"];
const DELETE: &[&str] = &["delete:organizations"];

const SORT_DESC: &str = "Field to sort by. Use <code>field:order</code> where order is <code>1</code> for ascending and <code>-1</code> for descending. Defaults to <code>created_at:1</code>.";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organizations", get(list).post(create))
        .route(
            "/organizations/{id}",
            get(read).patch(update).delete(remove),
        )
        .route("/organizations/name/{name}", get(read_by_name))
}

fn sort(q: &Query) -> ApiResult<Sort> {
    match q.string("sort", 15, SORT_DESC)? {
        None => Ok(Sort::default()),
        Some(s) => Sort::parse(s).ok_or_else(|| {
            ApiError::InvalidQuery(orgwarden_domain::validate::message(
                orgwarden_domain::validate::Origin::Query,
                &format!("String does not match pattern ^((display_name)|(created_at)|(name))\\:(1|-1)$: {s}"),
                "sort",
                SORT_DESC,
            ))
        }),
    }
}

async fn list(State(state): State<AppState>, p: Principal, q: Query) -> ApiResult<Reply> {
    p.require(READ)?;
    let paging = Paging::either(&q)?;
    let sort = sort(&q)?;
    let listing = state
        .store
        .list_organizations(sort, paging.request.clone())
        .await?;
    Ok(Reply::ok(shape(
        "organizations",
        &listing,
        &paging,
        LimitIs::PerPage,
        |o: &Organization| o.to_wire(None),
    )))
}

async fn create(
    State(state): State<AppState>,
    p: Principal,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(CREATE)?;
    let body = CreateOrganization::parse(&body)?;
    let with_connections = body.enabled_connections.is_some();
    let new = NewOrganization::try_from(body)?;
    if !new.enabled_connections.is_empty() {
        p.require(CREATE_CONNECTIONS)?;
    }
    let (org, enabled) = state
        .store
        .create_organization(OrgId::generate(), new)
        .await?;
    Ok(Reply::created(
        org.to_wire(with_connections.then_some(enabled.as_slice())),
    ))
}

async fn read(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let org = state.store.get_organization(&path::org_id(&id)?).await?;
    Ok(Reply::ok(org.to_wire(None)))
}

async fn read_by_name(
    State(state): State<AppState>,
    p: Principal,
    Path(name): Path<String>,
) -> ApiResult<Reply> {
    p.require(READ_BY_NAME)?;
    if name.chars().count() > 50 {
        return Err(
            orgwarden_domain::Error::NotFound(orgwarden_domain::NotFound::Organization).into(),
        );
    }
    let org = state.store.get_organization_by_name(&name).await?;
    Ok(Reply::ok(org.to_wire(None)))
}

async fn update(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(UPDATE)?;
    let id = path::org_id(&id)?;
    let patch = OrganizationPatch::from(UpdateOrganization::parse(&body)?);
    let org = state.store.update_organization(&id, patch).await?;
    Ok(Reply::ok(org.to_wire(None)))
}

async fn remove(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.require(DELETE)?;
    state.store.delete_organization(&path::org_id(&id)?).await?;
    Ok(no_content().into_response())
}
