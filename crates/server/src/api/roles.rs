//! `/api/v2/roles` (+ their permissions and users), `/users/{id}/roles`,
//! `/users/{id}/permissions` and `/organizations/{id}/members/{user_id}/roles`. The rules are in
//! `orgwarden_domain::rules::roles`.

use axum::extract::State;
use axum::handler::Handler;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orgwarden_domain::ids::RoleId;
use orgwarden_domain::paging::PageRequest;
use orgwarden_domain::role::{Holder, Role, RolePatch, RolePermission, UserPermission};
use orgwarden_domain::user::{User, UserId};
use orgwarden_domain::{Error, NotFound};
use orgwarden_proto::roles::{CreateRole, Permissions, RoleIds, UpdateRole, UserIds};
use orgwarden_proto::Request;
use serde_json::json;

use super::json::{no_content, JsonBody, Reply};
use super::list::{shape, LimitIs};
use super::path::{self, Path};
use super::query::{Paging, Query};
use crate::auth::principal::Principal;
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::plan::Group::{OrganizationsRead, OrganizationsWrite};
use crate::state::AppState;
use crate::tenant::Tenant;

const READ: &[&str] = &["read:roles"];
const CREATE: &[&str] = &["create:roles"];
const UPDATE: &[&str] = &["update:roles"];
const DELETE: &[&str] = &["delete:roles"];
const READ_USER_ROLES: &[&str] = &["read:roles"];
/// A role's users are people's names and emails: `read:users` and `read:roles`, both.
const READ_ROLE_USERS: &[&str] = &["read:users"];
const READ_ROLE_USERS_TOO: &[&str] = &["read:roles"];
const GIVE_ROLE_TO_USERS: &[&str] = &["update:roles", "create:role_members"];
const READ_USER_PERMISSIONS: &[&str] = &["read:users"];
const CHANGE_USER_PERMISSIONS: &[&str] = &["update:users"];
const CHANGE_USER_ROLES: &[&str] = &["update:users"];
const READ_MEMBER_ROLES: &[&str] = &["read:organization_member_roles"];
const CREATE_MEMBER_ROLES: &[&str] = &["create:organization_member_roles"];
const DELETE_MEMBER_ROLES: &[&str] = &["delete:organization_member_roles"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/roles", get(list).post(create))
        .route("/roles/{id}", get(read).patch(update).delete(remove))
        .route(
            "/roles/{id}/permissions",
            get(permissions)
                .post(add_permissions)
                .delete(remove_permissions),
        )
        .route(
            "/roles/{id}/users",
            get(role_users).post(give_role_to_users),
        )
        .route(
            "/users/{id}/permissions",
            get(user_permissions)
                .post(give_user_permissions)
                .delete(take_user_permissions),
        )
        .route(
            "/users/{id}/roles",
            get(user_roles)
                .post(give_user_roles)
                .delete(take_user_roles),
        )
        .route(
            "/organizations/{id}/members/{user_id}/roles",
            get(member_roles.layer(OrganizationsRead.layer()))
                .post(give_member_roles.layer(OrganizationsWrite.layer()))
                .delete(take_member_roles.layer(OrganizationsWrite.layer())),
        )
}

/// A role id that cannot be ours is simply not found.
fn role_id(s: &str) -> ApiResult<RoleId> {
    RoleId::parse(s).ok_or(ApiError::Domain(Error::NotFound(NotFound::Role)))
}

fn user_id(s: &str) -> ApiResult<UserId> {
    UserId::parse(s).ok_or(ApiError::Domain(Error::NotFound(NotFound::User)))
}

/// The role ids of a body; one that cannot be a role id does not exist.
fn role_ids(body: &RoleIds) -> ApiResult<Vec<RoleId>> {
    body.roles
        .iter()
        .map(|r| {
            RoleId::parse(r).ok_or_else(|| {
                ApiError::Domain(Error::invalid_field(
                    "roles",
                    format!("The role {r} does not exist."),
                ))
            })
        })
        .collect()
}

fn offset(q: &Query) -> ApiResult<(Paging, u32, u32)> {
    let paging = Paging::offset(q)?;
    let PageRequest::Offset { page, per_page } = paging.request else {
        unreachable!("offset paging")
    };
    Ok((paging, page, per_page))
}

async fn list(State(state): State<Tenant>, p: Principal, q: Query) -> ApiResult<Reply> {
    p.require(READ)?;
    let (paging, page, per_page) = offset(&q)?;
    let filter = q.string(
        "name_filter",
        50,
        "Optional filter on name (case-insensitive).",
    )?;
    let listing = state.store.list_roles(filter, page, per_page).await?;
    Ok(Reply::ok(shape(
        "roles",
        &listing,
        &paging,
        LimitIs::PerPage,
        Role::to_wire,
    )))
}

/// Auth0 answers 200 (recorded), not 201.
async fn create(
    State(state): State<Tenant>,
    p: Principal,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(CREATE)?;
    let role = Role::new(CreateRole::parse(&body)?);
    let role = state.store.create_role(role).await?;
    Ok(Reply::ok(role.to_wire()))
}

async fn read(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Reply> {
    p.require(READ)?;
    Ok(Reply::ok(
        state.store.get_role(&role_id(&id)?).await?.to_wire(),
    ))
}

async fn update(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(UPDATE)?;
    let patch = RolePatch::from(UpdateRole::parse(&body)?);
    let role = state.store.update_role(&role_id(&id)?, patch).await?;
    Ok(Reply::ok(role.to_wire()))
}

/// Auth0 answers 200 with `{}` (recorded).
async fn remove(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Reply> {
    p.require(DELETE)?;
    state.store.delete_role(&role_id(&id)?).await?;
    Ok(Reply::ok(json!({})))
}

async fn permissions(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let (paging, page, per_page) = offset(&q)?;
    let listing = state
        .store
        .list_role_permissions(&role_id(&id)?, page, per_page)
        .await?;
    Ok(Reply::ok(shape(
        "permissions",
        &listing,
        &paging,
        LimitIs::PerPage,
        RolePermission::to_wire,
    )))
}

/// Auth0 answers 201 with `{}` (recorded).
async fn add_permissions(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(UPDATE)?;
    let body = Permissions::parse(&body)?;
    state
        .store
        .add_role_permissions(&role_id(&id)?, &body.permissions)
        .await?;
    Ok(Reply::created(json!({})))
}

async fn remove_permissions(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    p.require(UPDATE)?;
    let body = Permissions::parse(&body)?;
    state
        .store
        .remove_role_permissions(&role_id(&id)?, &body.permissions)
        .await?;
    Ok(no_content())
}

async fn roles_of(state: &Tenant, holder: Holder, q: &Query) -> ApiResult<Reply> {
    let (paging, page, per_page) = offset(q)?;
    let listing = state.store.roles_of(&holder, page, per_page).await?;
    Ok(Reply::ok(shape(
        "roles",
        &listing,
        &paging,
        LimitIs::PerPage,
        Role::to_wire,
    )))
}

async fn user_roles(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ_USER_ROLES)?;
    roles_of(&state, Holder::User(user_id(&id)?), &q).await
}

async fn give_user_roles(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    p.require(CHANGE_USER_ROLES)?;
    let holder = Holder::User(user_id(&id)?);
    let roles = role_ids(&RoleIds::parse(&body)?)?;
    state.store.give_roles(&holder, &roles).await?;
    Ok(no_content())
}

async fn take_user_roles(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    p.require(CHANGE_USER_ROLES)?;
    let holder = Holder::User(user_id(&id)?);
    let body = RoleIds::parse(&body)?;
    let roles: Vec<RoleId> = body.roles.iter().filter_map(|r| RoleId::parse(r)).collect();
    state.store.take_roles(&holder, &roles).await?;
    Ok(no_content())
}

type MemberPath = Path<(String, String)>;

fn member(ids: &(String, String)) -> ApiResult<Holder> {
    Ok(Holder::Member(path::org_id(&ids.0)?, user_id(&ids.1)?))
}

async fn member_roles(
    State(state): State<Tenant>,
    p: Principal,
    Path(ids): MemberPath,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ_MEMBER_ROLES)?;
    roles_of(&state, member(&ids)?, &q).await
}

async fn give_member_roles(
    State(state): State<Tenant>,
    p: Principal,
    Path(ids): MemberPath,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    p.require(CREATE_MEMBER_ROLES)?;
    let holder = member(&ids)?;
    let roles = role_ids(&RoleIds::parse(&body)?)?;
    state.store.give_roles(&holder, &roles).await?;
    Ok(no_content())
}

async fn take_member_roles(
    State(state): State<Tenant>,
    p: Principal,
    Path(ids): MemberPath,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    p.require(DELETE_MEMBER_ROLES)?;
    let holder = member(&ids)?;
    let body = RoleIds::parse(&body)?;
    let roles: Vec<RoleId> = body.roles.iter().filter_map(|r| RoleId::parse(r)).collect();
    state.store.take_roles(&holder, &roles).await?;
    Ok(no_content())
}

/// `GET /roles/{id}/users`: offset or checkpoint paging, members' shape.
async fn role_users(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ_ROLE_USERS)?;
    p.require(READ_ROLE_USERS_TOO)?;
    let paging = Paging::either(&q)?;
    let listing = state
        .store
        .role_users(&role_id(&id)?, paging.request.clone())
        .await?;
    Ok(Reply::ok(shape(
        "users",
        &listing,
        &paging,
        LimitIs::PerPage,
        User::to_member_wire,
    )))
}

/// `POST /roles/{id}/users`: Auth0 documents a 200.
async fn give_role_to_users(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(GIVE_ROLE_TO_USERS)?;
    let role = role_id(&id)?;
    let users = UserIds::parse(&body)?
        .users
        .iter()
        .map(|u| {
            UserId::parse(u).ok_or_else(|| {
                ApiError::Domain(Error::invalid_field(
                    "users",
                    format!("The user {u} does not exist."),
                ))
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    state.store.give_role_to_users(&role, &users).await?;
    Ok(Reply::ok(json!({})))
}

/// `GET /users/{id}/permissions`: direct and through tenant roles, with their sources.
async fn user_permissions(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ_USER_PERMISSIONS)?;
    let (paging, page, per_page) = offset(&q)?;
    let listing = state
        .store
        .user_permissions(&user_id(&id)?, page, per_page)
        .await?;
    Ok(Reply::ok(shape(
        "permissions",
        &listing,
        &paging,
        LimitIs::PerPage,
        UserPermission::to_wire,
    )))
}

/// `POST /users/{id}/permissions`: 201 with `{}`, as for a role's permissions.
async fn give_user_permissions(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(CHANGE_USER_PERMISSIONS)?;
    let body = Permissions::parse(&body)?;
    state
        .store
        .add_user_permissions(&user_id(&id)?, &body.permissions)
        .await?;
    Ok(Reply::created(json!({})))
}

async fn take_user_permissions(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    p.require(CHANGE_USER_PERMISSIONS)?;
    let body = Permissions::parse(&body)?;
    state
        .store
        .remove_user_permissions(&user_id(&id)?, &body.permissions)
        .await?;
    Ok(no_content())
}
