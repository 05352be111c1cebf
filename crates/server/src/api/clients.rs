//! `/api/v2/clients`: machine clients. The secret is shown on create and on rotation only;
//! it is stored hashed.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orgwarden_domain::client::{secret, ClientPatch, NewClient};

use super::dto;
use super::json::{no_content, JsonBody, Reply};
use super::list::{shape, LimitIs};
use super::path;
use super::query::{Paging, Query};
use crate::auth::principal::Principal;
use crate::error::ApiResult;
use crate::state::AppState;

const READ: &[&str] = &["read:clients", "read:client_summary"];
const CREATE: &[&str] = &["create:clients"];
const UPDATE: &[&str] = &["update:clients"];
const ROTATE: &[&str] = &["update:client_keys"];
const DELETE: &[&str] = &["delete:clients"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/clients", get(list).post(create))
        .route("/clients/{id}", get(read).patch(update).delete(remove))
        .route("/clients/{id}/rotate-secret", post(rotate))
}

async fn list(State(state): State<AppState>, p: Principal, q: Query) -> ApiResult<Reply> {
    p.require(READ)?;
    let paging = Paging::either(&q)?;
    let listing = state.store.list_clients(paging.request.clone()).await?;
    Ok(Reply::ok(shape(
        "clients",
        &listing,
        &paging,
        LimitIs::PerPage,
        |c| dto::client(c, None),
    )))
}

async fn create(
    State(state): State<AppState>,
    p: Principal,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(CREATE)?;
    let (client, secret) = NewClient::from_json(&body)?.into_client();
    let client = state.store.create_client(client).await?;
    Ok(Reply::created(dto::client(&client, Some(&secret))))
}

async fn read(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let client = state.store.get_client(&path::client_id(&id)?).await?;
    Ok(Reply::ok(dto::client(&client, None)))
}

async fn update(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(UPDATE)?;
    let id = path::client_id(&id)?;
    let patch = ClientPatch::from_json(&body)?;
    let client = state.store.update_client(&id, patch).await?;
    Ok(Reply::ok(dto::client(&client, None)))
}

async fn rotate(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Reply> {
    p.require(ROTATE)?;
    let id = path::client_id(&id)?;
    let new_secret = secret::generate();
    let patch = ClientPatch {
        client_secret: Some(new_secret.clone()),
        ..Default::default()
    };
    let client = state.store.update_client(&id, patch).await?;
    Ok(Reply::ok(dto::client(&client, Some(&new_secret))))
}

async fn remove(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.require(DELETE)?;
    state.store.delete_client(&path::client_id(&id)?).await?;
    Ok(no_content())
}
