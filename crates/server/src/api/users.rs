//! `/api/v2/users` and `/api/v2/users-by-email`: people on database connections. Passwords are
//! checked against the connection's policy and hashed (argon2id, off the async runtime) here,
//! before the store's transaction; they are never stored, answered or logged.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orgwarden_domain::paging::PageRequest;
use orgwarden_domain::user::{User, UserId, UserPatch};
use orgwarden_domain::user_search::{self, Sort};
use orgwarden_domain::validate::{message, Origin};
use orgwarden_domain::{Error, NotFound};
use orgwarden_proto::users::{CreateUser, UpdateUser};
use orgwarden_proto::Request;
use serde_json::{json, Value};

use super::fields::{FieldsParam, Selection};
use super::json::{no_content, to_json, JsonBody, Reply};
use super::path::Path;
use super::query::{Paging, Query};
use crate::accounts;
use crate::auth::principal::Principal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::tenant::Tenant;

pub const READ: &[&str] = &["read:users"];
pub const CREATE: &[&str] = &["create:users"];
pub const UPDATE: &[&str] = &["update:users"];
pub const DELETE: &[&str] = &["delete:users"];

/// Auth0 answers at most the first 1000 users of a search.
const MAX_RESULTS: u64 = 1000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{id}", get(read).patch(update).delete(remove))
        .route("/users-by-email", get(by_email))
}

fn query_error(template: String, name: &str, desc: &str) -> ApiError {
    ApiError::InvalidQuery(message(Origin::Query, &template, name, desc))
}

/// The path's user id; one that cannot be ours is simply not found.
fn user_id(s: &str) -> ApiResult<UserId> {
    UserId::parse(s).ok_or(ApiError::Domain(Error::NotFound(NotFound::User)))
}

/// `fields` and `include_fields`.
const FIELDS: FieldsParam = FieldsParam::any(2000);

fn shown(u: &User, selection: &Selection) -> Value {
    selection.apply(to_json(&u.to_wire()))
}

async fn list(State(state): State<Tenant>, p: Principal, q: Query) -> ApiResult<Reply> {
    p.require(READ)?;
    let paging = Paging::offset(&q)?;
    let PageRequest::Offset { page, per_page } = paging.request else {
        unreachable!("offset paging")
    };
    if u64::from(page) * u64::from(per_page) >= MAX_RESULTS {
        return Err(ApiError::InvalidPaging);
    }
    if let Some(engine) = q.str("search_engine") {
        if engine != "v3" {
            return Err(query_error(
                format!("orgwarden supports search_engine v3 only, not {engine}"),
                "search_engine",
                "The version of the search engine",
            ));
        }
    }
    let search = user_search::parse(q.str("q").unwrap_or(""))?;
    let sort = match q.str("sort").filter(|s| !s.is_empty()) {
        Some(s) => user_search::parse_sort(s).ok_or_else(|| {
            query_error(
                format!("String does not match pattern ^(([a-zA-Z0-9_\\.]+))\\:(1|-1)$: {s}"),
                "sort",
                "Field to sort by. Use field:order where order is 1 for ascending and -1 for descending. e.g. created_at:1",
            )
        })?,
        None => Sort::default(),
    };
    let selection = Selection::read(&q, &FIELDS)?;
    let listing = state
        .store
        .list_users(&search, sort, page, per_page)
        .await?;
    let users: Vec<Value> = listing.items.iter().map(|u| shown(u, &selection)).collect();
    if paging.include_totals {
        let length = users.len();
        Ok(Reply::ok(json!({
            "start": u64::from(page) * u64::from(per_page),
            "limit": per_page,
            "length": length,
            "users": users,
            "total": listing.total.min(MAX_RESULTS),
        })))
    } else {
        Ok(Reply::ok(Value::Array(users)))
    }
}

async fn create(
    State(state): State<Tenant>,
    p: Principal,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(CREATE)?;
    let body = CreateUser::parse(&body)?;
    let user = accounts::create_user(&state.store, state.clock.as_ref(), body).await?;
    Ok(Reply::created(user.to_wire()))
}

async fn read(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let selection = Selection::read(&q, &FIELDS)?;
    let user = state.store.get_user(&user_id(&id)?).await?;
    Ok(Reply::ok(shown(&user, &selection)))
}

async fn update(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(UPDATE)?;
    let id = user_id(&id)?;
    let (patch, new_password) = UserPatch::from_body(UpdateUser::parse(&body)?)?;
    let hash = match new_password {
        Some(password) => Some(accounts::new_password(&state.store, &id, password).await?),
        None => None,
    };
    let user = state
        .store
        .update_user(&id, patch, hash, state.clock.now())
        .await?;
    Ok(Reply::ok(user.to_wire()))
}

/// A user that is not there is a 204 too: the request's outcome holds.
async fn remove(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.require(DELETE)?;
    let Some(id) = UserId::parse(&id) else {
        return Ok(no_content());
    };
    match state.store.delete_user(&id).await {
        Ok(()) | Err(Error::NotFound(NotFound::User)) => Ok(no_content()),
        Err(e) => Err(e.into()),
    }
}

async fn by_email(State(state): State<Tenant>, p: Principal, q: Query) -> ApiResult<Reply> {
    p.require(READ)?;
    let Some(email) = q.string(
        "email",
        300,
        "Email address to search for (case-sensitive).",
    )?
    else {
        return Err(query_error(
            "Missing required property: email".into(),
            "email",
            "Email address to search for (case-sensitive).",
        ));
    };
    let selection = Selection::read(&q, &FIELDS)?;
    let users = state.store.users_by_email(email).await?;
    Ok(Reply::ok(Value::Array(
        users.iter().map(|u| shown(u, &selection)).collect(),
    )))
}
