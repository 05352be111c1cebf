//! `/api/v2/organizations/{id}/enabled_connections`: the connections an organization offers.
//! The newer `/organizations/{id}/connections` API serves the same handlers in its own
//! [`Flavor`] (see `organization_connections.rs`).

use axum::extract::State;
use axum::handler::Handler;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orgwarden_domain::enabled_connection::{
    EnabledConnection, NewEnabledConnection, SettingsPatch,
};
use orgwarden_domain::paging::{Listing, PageRequest};
use orgwarden_proto::enabled_connections::{
    self as wire, CreateEnabledConnection, UpdateEnabledConnection,
};
use orgwarden_proto::Request;
use serde_json::Value;

use serde::Serialize;

use super::json::{no_content, JsonBody, Reply};
use super::list::{shape, LimitIs};
use super::path::{self, Path};
use super::query::{Paging, Query};
use crate::auth::principal::Principal;
use crate::error::ApiResult;
use crate::ratelimit::plan::Group::{OrganizationConnectionsRead, OrganizationConnectionsWrite};
use crate::state::AppState;
use crate::tenant::Tenant;

pub const READ: &[&str] = &["read:organization_connections"];
pub const CREATE: &[&str] = &["create:organization_connections"];
pub const UPDATE: &[&str] = &["update:organization_connections"];
pub const DELETE: &[&str] = &["delete:organization_connections"];

/// What differs between the two APIs over an organization's connections.
pub(super) struct Flavor {
    /// The path segment after `/organizations/{id}/`.
    pub(super) collection: &'static str,
    /// The list's key with `include_totals`.
    pub(super) envelope: &'static str,
    pub(super) limit_is: LimitIs,
    pub(super) render: fn(&EnabledConnection) -> Rendered,
    /// The name of the connection id in the path, in validation messages.
    pub(super) connection_param: &'static str,
    /// Checks and removes the API's own body fields before the shared validation.
    pub(super) prepare: fn(Value) -> ApiResult<Value>,
    /// Whether the list takes `is_enabled` (only enabled connections exist here).
    pub(super) is_enabled_filter: bool,
}

const CLASSIC: Flavor = Flavor {
    collection: "enabled_connections",
    envelope: "enabled_connections",
    limit_is: LimitIs::ItemCount,
    render: classic,
    connection_param: "connectionId",
    prepare: Ok,
    is_enabled_filter: false,
};

pub fn router() -> Router<AppState> {
    routes(&CLASSIC)
}

/// One enabled connection in either API's shape, serialized as that shape (typed to the bytes).
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum Rendered {
    Classic(wire::EnabledConnection),
    Newer(wire::OrganizationConnection),
}

/// The classic shape (`is_signup_enabled` only for database connections).
fn classic(e: &EnabledConnection) -> Rendered {
    Rendered::Classic(e.to_wire())
}

type OneConnection = Path<(String, String)>;

/// The five routes, for one flavor.
pub(super) fn routes(f: &'static Flavor) -> Router<AppState> {
    let collection = format!("/organizations/{{id}}/{}", f.collection);
    let one = format!("{collection}/{{connection_id}}");
    Router::new()
        .route(
            &collection,
            get(
                (move |s: State<Tenant>, p: Principal, id: Path<String>, q: Query| {
                    list(f, s, p, id, q)
                })
                .layer(OrganizationConnectionsRead.layer()),
            )
            .post(
                (move |s: State<Tenant>, p: Principal, id: Path<String>, b: JsonBody| {
                    add(f, s, p, id, b)
                })
                .layer(OrganizationConnectionsWrite.layer()),
            ),
        )
        .route(
            &one,
            get(
                (move |s: State<Tenant>, p: Principal, ids: OneConnection| read(f, s, p, ids))
                    .layer(OrganizationConnectionsRead.layer()),
            )
            .patch(
                (move |s: State<Tenant>, p: Principal, ids: OneConnection, b: JsonBody| {
                    update(f, s, p, ids, b)
                })
                .layer(OrganizationConnectionsWrite.layer()),
            )
            .delete(
                (move |s: State<Tenant>, p: Principal, ids: OneConnection| remove(f, s, p, ids))
                    .layer(OrganizationConnectionsWrite.layer()),
            ),
        )
}

async fn list(
    f: &Flavor,
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let org = path::org_id(&id)?;
    let paging = Paging::offset(&q)?;
    let only_disabled = f.is_enabled_filter
        && !q.bool("is_enabled", true, "Filter connections by enabled status.")?;
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
        f.envelope, &listing, &paging, f.limit_is, f.render,
    )))
}

async fn add(
    f: &Flavor,
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(CREATE)?;
    let org = path::org_id(&id)?;
    let new = NewEnabledConnection::try_from(CreateEnabledConnection::parse(&(f.prepare)(body)?)?)?;
    let e = state.store.enable_connection(&org, new).await?;
    Ok(Reply::created((f.render)(&e)))
}

async fn read(
    f: &Flavor,
    State(state): State<Tenant>,
    p: Principal,
    Path((id, cid)): OneConnection,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let (org, cid) = (
        path::org_id(&id)?,
        path::connection_id(&cid, f.connection_param)?,
    );
    let e = state.store.get_enabled_connection(&org, &cid).await?;
    Ok(Reply::ok((f.render)(&e)))
}

async fn update(
    f: &Flavor,
    State(state): State<Tenant>,
    p: Principal,
    Path((id, cid)): OneConnection,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(UPDATE)?;
    let (org, cid) = (
        path::org_id(&id)?,
        path::connection_id(&cid, f.connection_param)?,
    );
    let patch = SettingsPatch::from(UpdateEnabledConnection::parse(&(f.prepare)(body)?)?);
    let e = state
        .store
        .update_enabled_connection(&org, &cid, patch)
        .await?;
    Ok(Reply::ok((f.render)(&e)))
}

async fn remove(
    f: &Flavor,
    State(state): State<Tenant>,
    p: Principal,
    Path((id, cid)): OneConnection,
) -> ApiResult<Response> {
    p.require(DELETE)?;
    let (org, cid) = (
        path::org_id(&id)?,
        path::connection_id(&cid, f.connection_param)?,
    );
    state.store.disable_connection(&org, &cid).await?;
    Ok(no_content())
}
