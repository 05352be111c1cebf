//! `/api/v2/clients`: machine clients. The secret is shown on create and on rotation only;
//! it is stored hashed.

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orgwarden_domain::client::{secret, Client, ClientPatch, NewClient};
use orgwarden_domain::paging::{Listing, PageRequest};
use orgwarden_proto::clients::{CreateClient, UpdateClient};
use orgwarden_proto::Request;
use serde_json::Value;

use super::fields::{FieldsParam, Selection};
use super::json::{no_content, to_json, JsonBody, Reply};
use super::list::{shape, LimitIs};
use super::path::{self, Path};
use super::query::{Paging, Query};
use crate::auth::principal::Principal;
use crate::auth::privilege::{require_client_fields, require_may_take_over, ClientWrite};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::tenant::Tenant;

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

/// `fields` and `include_fields`, as for connections.
const FIELDS: FieldsParam = FieldsParam::any(1024);

/// The list filters Auth0 documents for clients: `app_type` (comma-separated),
/// `is_first_party`, `is_global` (never true here).
struct ClientFilter {
    app_types: Option<Vec<String>>,
    is_first_party: Option<bool>,
    is_global: Option<bool>,
}

impl ClientFilter {
    fn from_query(q: &Query) -> ApiResult<Self> {
        let flag = |name: &str, desc: &str| -> ApiResult<Option<bool>> {
            if q.has(name) {
                q.bool(name, false, desc).map(Some)
            } else {
                Ok(None)
            }
        };
        Ok(ClientFilter {
            app_types: q
                .string(
                    "app_type",
                    512,
                    "Optional filter by a comma-separated list of application types.",
                )?
                .map(|s| s.split(',').map(|t| t.trim().to_owned()).collect()),
            is_first_party: flag(
                "is_first_party",
                "Optional filter on whether or not a client is a first-party client.",
            )?,
            is_global: flag(
                "is_global",
                "Optional filter on the global client parameter.",
            )?,
        })
    }

    fn is_empty(&self) -> bool {
        self.app_types.is_none() && self.is_first_party.is_none() && self.is_global.is_none()
    }

    fn matches(&self, c: &Client) -> bool {
        let attr = |k: &str| c.attributes.get(k);
        let app_type = attr("app_type").and_then(Value::as_str).unwrap_or("");
        let first_party = attr("is_first_party")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        self.app_types
            .as_ref()
            .is_none_or(|ts| ts.iter().any(|t| t == app_type))
            && self.is_first_party.is_none_or(|f| f == first_party)
            && self.is_global.is_none_or(|g| !g)
    }
}

/// With filters, the (few) clients are read whole, filtered, then paged here; the checkpoint
/// of a filtered list is its offset.
async fn filtered(
    state: &Tenant,
    filter: &ClientFilter,
    request: &PageRequest,
) -> ApiResult<Listing<Client>> {
    let mut all = Vec::new();
    let mut from = None;
    loop {
        let page = state
            .store
            .list_clients(PageRequest::Checkpoint {
                from: from.take(),
                take: 100,
            })
            .await?;
        all.extend(page.items.into_iter().filter(|c| filter.matches(c)));
        match page.next {
            Some(n) => from = Some(n),
            None => break,
        }
    }
    let total = all.len() as u64;
    let (start, size) = match request {
        PageRequest::Offset { page, per_page } => {
            (*page as usize * *per_page as usize, *per_page as usize)
        }
        PageRequest::Checkpoint { from, take } => {
            let start = match from {
                Some(f) => f
                    .strip_prefix("offset:")
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| {
                        ApiError::from(orgwarden_domain::Error::invalid("Invalid from parameter"))
                    })?,
                None => 0,
            };
            (start, *take as usize)
        }
    };
    let items: Vec<Client> = all.into_iter().skip(start).take(size).collect();
    let next = match request {
        PageRequest::Checkpoint { .. } if items.len() == size => {
            Some(format!("offset:{}", start + size))
        }
        _ => None,
    };
    Ok(Listing { items, total, next })
}

async fn list(State(state): State<Tenant>, p: Principal, q: Query) -> ApiResult<Reply> {
    p.require(READ)?;
    let paging = Paging::either(&q)?;
    let filter = ClientFilter::from_query(&q)?;
    let selection = Selection::read(&q, &FIELDS)?;
    let listing = if filter.is_empty() {
        state.store.list_clients(paging.request.clone()).await?
    } else {
        filtered(&state, &filter, &paging.request).await?
    };
    let render = |c: &Client| selection.apply(to_json(&c.to_wire(None)));
    Ok(Reply::ok(shape(
        "clients",
        &listing,
        &paging,
        LimitIs::PerPage,
        render,
    )))
}

async fn create(
    State(state): State<Tenant>,
    p: Principal,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    require_client_fields(&p, &body, ClientWrite::Create, CREATE)?;
    let mut new = NewClient::from(CreateClient::parse(&body)?);
    Client::normalize_credentials(&mut new.attributes, None, state.clock.now())?;
    let (client, secret) = new.into_client();
    let client = state.store.create_client(client).await?;
    Ok(Reply::created(client.to_wire(Some(&secret))))
}

async fn read(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let selection = Selection::read(&q, &FIELDS)?;
    let client = state.store.get_client(&path::client_id(&id)?).await?;
    Ok(Reply::ok(selection.apply(to_json(&client.to_wire(None)))))
}

async fn update(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    require_client_fields(&p, &body, ClientWrite::Update, UPDATE)?;
    let id = path::client_id(&id)?;
    let mut patch = ClientPatch::from(UpdateClient::parse(&body)?);
    if patch.changes_credentials() {
        let current = state.store.get_client(&id).await?;
        require_may_take_over(&state, &p, &current).await?;
        Client::normalize_credentials(&mut patch.attributes, Some(&current), state.clock.now())?;
    }
    let client = state.store.update_client(&id, patch).await?;
    Ok(Reply::ok(client.to_wire(None)))
}

async fn rotate(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Reply> {
    p.require(ROTATE)?;
    let id = path::client_id(&id)?;
    require_may_take_over(&state, &p, &state.store.get_client(&id).await?).await?;
    let new_secret = secret::generate();
    let patch = ClientPatch {
        client_secret: Some(new_secret.clone()),
        ..Default::default()
    };
    let client = state.store.update_client(&id, patch).await?;
    Ok(Reply::ok(client.to_wire(Some(&new_secret))))
}

async fn remove(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.require(DELETE)?;
    state.store.delete_client(&path::client_id(&id)?).await?;
    Ok(no_content())
}
