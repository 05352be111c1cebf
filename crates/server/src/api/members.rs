//! `/api/v2/organizations/{id}/members` (the people of an organization) and
//! `/api/v2/users/{id}/organizations`. The rules are in `orgwarden_domain::rules::members`.

use std::collections::HashMap;

use axum::extract::State;
use axum::handler::Handler;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orgwarden_domain::organization::Organization;
use orgwarden_domain::paging::PageRequest;
use orgwarden_domain::role::{Holder, Role};
use orgwarden_domain::user::{User, UserId};
use orgwarden_domain::{Error, NotFound};
use orgwarden_proto::members::Members;
use orgwarden_proto::Request;
use serde_json::{json, Value};

use super::fields::{FieldsParam, Selection, FIELDS_DESC};
use super::json::{no_content, to_json, JsonBody, Reply};
use super::list::{shape, LimitIs};
use super::path::{self, Path};
use super::query::{Paging, Query};
use crate::auth::principal::Principal;
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::plan::Group::{OrganizationsRead, OrganizationsWrite};
use crate::state::AppState;
use crate::tenant::Tenant;

pub const READ: &[&str] = &["read:organization_members"];
pub const CREATE: &[&str] = &["create:organization_members"];
pub const DELETE: &[&str] = &["delete:organization_members"];
pub const READ_USER_ORGANIZATIONS: &[&str] = &["read:organizations"];
const READ_ROLES_TOO: &[&str] = &["read:organization_member_roles"];

/// The member roles shown per member when `fields` asks for `roles`.
const MAX_ROLES_SHOWN: u32 = 100;

/// `fields` and `include_fields`: a member's fields only (`roles` is shown only when named).
const FIELDS: FieldsParam = FieldsParam {
    fields_desc: FIELDS_DESC,
    include_desc: "Whether specified fields are to be included (true) or excluded (false). Defaults to true.",
    max_len: None,
    allowed: Some((
        &["user_id", "email", "picture", "name", "roles"],
        "^((user_id)|(email)|(picture)|(name)|(roles))(,((user_id)|(email)|(picture)|(name)|(roles)))*$",
    )),
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/organizations/{id}/members",
            get(list.layer(OrganizationsRead.layer()))
                .post(add.layer(OrganizationsWrite.layer()))
                .delete(remove.layer(OrganizationsWrite.layer())),
        )
        .route("/users/{id}/organizations", get(user_organizations))
}

fn user_ids(body: &Members) -> ApiResult<Vec<UserId>> {
    body.members
        .iter()
        .map(|m| {
            UserId::parse(m).ok_or_else(|| {
                ApiError::Domain(Error::invalid_field(
                    "members",
                    format!("The user {m} does not exist."),
                ))
            })
        })
        .collect()
}

/// A member as listed: Auth0's fields, with `roles` (`{id, name}` of the member roles) only
/// when asked for.
fn member(u: &User, roles: Option<&[Role]>, selection: &Selection) -> Value {
    let mut v = to_json(&u.to_member_wire());
    if let Some(roles) = roles {
        v["roles"] = roles
            .iter()
            .map(|r| json!({"id": r.id.as_str(), "name": r.name}))
            .collect();
    }
    selection.apply(v)
}

async fn list(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let org = path::org_id(&id)?;
    let paging = Paging::either(&q)?;
    let selection = Selection::read(&q, &FIELDS)?;
    let wants_roles = selection.asks_for("roles");
    if wants_roles {
        // As Auth0: listing members' roles also needs the scope that reads member roles.
        p.require(READ_ROLES_TOO)?;
    }
    let listing = state
        .store
        .list_members(&org, paging.request.clone())
        .await?;
    let mut roles: HashMap<&str, Vec<Role>> = HashMap::new();
    if wants_roles {
        for u in &listing.items {
            let holder = Holder::Member(org.clone(), u.id.clone());
            let held = state
                .store
                .roles_of(&holder, 0, MAX_ROLES_SHOWN)
                .await?
                .items;
            roles.insert(u.id.as_str(), held);
        }
    }
    Ok(Reply::ok(shape(
        "members",
        &listing,
        &paging,
        LimitIs::PerPage,
        |u| {
            let held = roles.get(u.id.as_str()).map(Vec::as_slice);
            member(u, held, &selection)
        },
    )))
}

async fn add(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    p.require(CREATE)?;
    let org = path::org_id(&id)?;
    let users = user_ids(&Members::parse(&body)?)?;
    state.store.add_members(&org, &users).await?;
    Ok(no_content())
}

async fn remove(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    p.require(DELETE)?;
    let org = path::org_id(&id)?;
    let body = Members::parse(&body)?;
    // An id that cannot be a user is no member: nothing to remove.
    let users: Vec<UserId> = body
        .members
        .iter()
        .filter_map(|m| UserId::parse(m))
        .collect();
    state.store.remove_members(&org, &users).await?;
    Ok(no_content())
}

async fn user_organizations(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ_USER_ORGANIZATIONS)?;
    let user = UserId::parse(&id).ok_or(ApiError::Domain(Error::NotFound(NotFound::User)))?;
    let paging = Paging::offset(&q)?;
    let PageRequest::Offset { page, per_page } = paging.request else {
        unreachable!("offset paging")
    };
    let listing = state
        .store
        .user_organizations(&user, page, per_page)
        .await?;
    Ok(Reply::ok(shape(
        "organizations",
        &listing,
        &paging,
        LimitIs::PerPage,
        |o: &Organization| o.to_wire(None),
    )))
}
