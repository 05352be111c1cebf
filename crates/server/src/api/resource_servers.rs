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
use orgwarden_domain::validate::{message, Origin};
use orgwarden_proto::resource_servers::{CreateResourceServer, UpdateResourceServer};
use orgwarden_proto::Request;

use super::fields::{FieldsParam, Selection};
use super::json::{no_content, to_json, JsonBody, Reply};
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

/// `identifiers=…` (repeated): at most this many.
const MAX_IDENTIFIERS: usize = 10;
const IDENTIFIERS_DESC: &str = "An optional filter on the resource server identifier. Must be URL encoded and may be specified multiple times (max 10).<br /><b>e.g.</b> <i>../resource-servers?identifiers=id1&identifiers=id2</i>";

/// `fields` and `include_fields` (Auth0's clients send `fields`, though its document lists only
/// `include_fields`).
const FIELDS: FieldsParam = FieldsParam::any(1024);

async fn list(State(state): State<Tenant>, p: Principal, q: Query) -> ApiResult<Reply> {
    p.require(READ)?;
    let paging = Paging::offset(&q)?;
    let PageRequest::Offset { page, per_page } = paging.request else {
        unreachable!("offset paging only");
    };
    let selection = Selection::read(&q, &FIELDS)?;
    let identifiers = q.all("identifiers");
    let listing = if identifiers.is_empty() {
        everything(&state, page, per_page).await?
    } else {
        by_identifiers(&state, &identifiers, page, per_page).await?
    };
    Ok(Reply::ok(shape(
        "resource_servers",
        &listing,
        &paging,
        LimitIs::PerPage,
        |rs| selection.apply(to_json(&rs.to_wire())),
    )))
}

/// The system API, then the stored ones.
async fn everything(
    state: &Tenant,
    page: u32,
    per_page: u32,
) -> ApiResult<Listing<ResourceServer>> {
    // The system one is first: the stored ones start at position 1.
    let start = u64::from(page) * u64::from(per_page);
    let (offset, limit, with_system) = match start {
        0 => (0, per_page - 1, true),
        s => (s - 1, per_page, false),
    };
    let stored = state.store.list_resource_servers(offset, limit).await?;
    let items = with_system
        .then(|| system(state))
        .into_iter()
        .chain(stored.items)
        .collect();
    Ok(Listing::offset(items, stored.total + 1))
}

/// The APIs with these identifiers (each looked up by its unique identifier; at most
/// [`MAX_IDENTIFIERS`]), in the order asked, the system API among them if named.
async fn by_identifiers(
    state: &Tenant,
    identifiers: &[&str],
    page: u32,
    per_page: u32,
) -> ApiResult<Listing<ResourceServer>> {
    let invalid = |template: String| {
        ApiError::InvalidQuery(message(
            Origin::Query,
            &template,
            "identifiers",
            IDENTIFIERS_DESC,
        ))
    };
    if identifiers.len() > MAX_IDENTIFIERS {
        return Err(invalid(format!(
            "Array is too long ({}), maximum {MAX_IDENTIFIERS}",
            identifiers.len()
        )));
    }
    if identifiers.iter().any(|i| i.is_empty()) {
        return Err(invalid(
            "String is too short (0 chars), minimum 1".to_owned(),
        ));
    }
    let mut found: Vec<ResourceServer> = Vec::new();
    for identifier in identifiers {
        let rs = if state.identity.is_management_audience(identifier) {
            system(state)
        } else {
            match state.store.get_resource_server(identifier).await {
                // The lookup takes an id too; only an identifier matches here.
                Ok(rs) if rs.identifier == *identifier => rs,
                Ok(_) | Err(orgwarden_domain::Error::NotFound(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if !found.iter().any(|f| f.id == rs.id) {
            found.push(rs);
        }
    }
    let total = found.len() as u64;
    let start = (page as usize).saturating_mul(per_page as usize);
    let items = found
        .into_iter()
        .skip(start)
        .take(per_page as usize)
        .collect();
    Ok(Listing::offset(items, total))
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
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let selection = Selection::read(&q, &FIELDS)?;
    let rs = if is_system(&state, &id) {
        system(&state)
    } else {
        state.store.get_resource_server(&id).await?
    };
    Ok(Reply::ok(selection.apply(to_json(&rs.to_wire()))))
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
