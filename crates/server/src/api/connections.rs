//! `/api/v2/connections`: list (filters, fields, both paging styles), create, get, update,
//! delete (202 with `deleted_at` while it goes, then 204, as Auth0).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use orgwarden_domain::clock::iso8601_millis;
use orgwarden_domain::connection::upstream::{discovery_source, okta_org_endpoints, Endpoints};
use orgwarden_domain::connection::{
    Connection, ConnectionFilter, ConnectionPatch, NewConnection, LIST_FILTER_EXTRA_STRATEGIES,
    STRATEGIES,
};
use orgwarden_domain::ids::ConnectionId;
use orgwarden_domain::validate::{message, Origin};
use orgwarden_domain::Error;
use orgwarden_proto::connections::{
    ConnectionClient, CreateConnection, DeletedConnection, UpdateConnection,
    UpdateConnectionClients,
};
use orgwarden_proto::Request;
use serde_json::{Map, Value};
use std::sync::Arc;

use super::fields::{FieldsParam, Selection};
use super::json::{no_content, to_json, JsonBody, Reply};
use super::list::{shape, LimitIs};
use super::path::{self, Path};
use super::query::{decode_cursor, encode_cursor, Paging, Query};
use crate::auth::principal::Principal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::upstream::Upstream;

const READ: &[&str] = &["read:connections"];
const CREATE: &[&str] = &["create:connections"];
const UPDATE: &[&str] = &["update:connections"];
const DELETE: &[&str] = &["delete:connections"];

const FIELD_NAMES: &[&str] = &[
    "name",
    "display_name",
    "strategy",
    "options",
    "id",
    "provisioning_ticket_url",
    "metadata",
    "show_as_button",
    "clients",
    "authentication",
    "connected_accounts",
    "cross_app_access_requesting_app",
    "cross_app_access_resource_app",
    "enabled_clients",
    "is_domain_connection",
    "realms",
];
const FIELDS_DESC: &str = "A comma separated list of fields to include or exclude (depending on include_fields) from the result, empty to retrieve all fields";
const INCLUDE_FIELDS_DESC: &str = "<code>true</code> if the fields specified are to be included in the result, <code>false</code> otherwise (defaults to <code>true</code>)";
const STRATEGY_DESC: &str = "Provide strategies to only retrieve connections with such strategies";
const NAME_DESC: &str = "Provide the name of the connection to retrieve";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/connections", get(list).post(create))
        .route("/connections/{id}", get(read).patch(update).delete(remove))
        .route(
            "/connections/{id}/clients",
            get(list_clients).patch(change_clients),
        )
}

fn query_error(template: String, name: &str, desc: &str) -> ApiError {
    ApiError::InvalidQuery(message(Origin::Query, &template, name, desc))
}

/// `fields` and `include_fields`: only the connection's own fields.
const FIELDS: FieldsParam = FieldsParam {
    fields_desc: FIELDS_DESC,
    include_desc: INCLUDE_FIELDS_DESC,
    max_len: None,
    allowed: Some((FIELD_NAMES, "^((name)|(display_name)|(strategy)|(options)|(id)|(provisioning_ticket_url)|(metadata)|(show_as_button)|(clients)|(authentication)|(connected_accounts)|(enabled_clients)|(is_domain_connection)|(realms))(,…)*$")),
};

fn filter(q: &Query) -> ApiResult<ConnectionFilter> {
    let mut strategies = Vec::new();
    for s in q.all("strategy") {
        for s in s.split(',').filter(|s| !s.is_empty()) {
            if !STRATEGIES.contains(&s) && !LIST_FILTER_EXTRA_STRATEGIES.contains(&s) {
                return Err(query_error(
                    format!("No enum match for: {s}"),
                    "strategy",
                    STRATEGY_DESC,
                ));
            }
            strategies.push(s.to_owned());
        }
    }
    Ok(ConnectionFilter {
        name: q.string("name", 128, NAME_DESC)?.map(str::to_owned),
        strategies,
    })
}

async fn list(State(state): State<Tenant>, p: Principal, q: Query) -> ApiResult<Reply> {
    p.require(READ)?;
    let paging = Paging::either(&q)?;
    let filter = filter(&q)?;
    let selection = Selection::read(&q, &FIELDS)?;
    let listing = state
        .store
        .list_connections(&filter, paging.request.clone())
        .await?;
    let domain = &state.identity.domain;
    let render = |c: &Connection| selection.apply(to_json(&c.to_wire(domain)));
    Ok(Reply::ok(shape(
        "connections",
        &listing,
        &paging,
        LimitIs::PerPage,
        render,
    )))
}

/// Auth0 fills an OpenID Connect (or Okta) connection's endpoints from its provider's
/// discovery document at create and update; orgwarden does too (`crate::upstream`: https
/// only, no redirect, a timeout and a size cap), and says why when it cannot.
async fn discover(
    upstream: &Upstream,
    strategy: &str,
    options: &mut Map<String, Value>,
) -> ApiResult<()> {
    if !matches!(strategy, "oidc" | "okta") || Endpoints::from_document(options).is_ok() {
        return Ok(());
    }
    let Some(url) = discovery_source(strategy, options, upstream.google_issuer()) else {
        return Ok(());
    };
    let endpoints = match upstream.discover(&url).await {
        Ok(e) => e,
        // Okta publishes its org server's endpoints under the domain; when its document cannot
        // be read (an offline installation), those are used, and the sign-in says if wrong.
        Err(e) if strategy == "okta" && options.get("domain").is_some_and(Value::is_string) => {
            tracing::warn!(error = %e, "Okta discovery failed: using the org server's documented endpoints");
            okta_org_endpoints(options["domain"].as_str().unwrap_or_default())
        }
        Err(e) => return Err(ApiError::Domain(Error::invalid(e.to_string()))),
    };
    endpoints.fill(options);
    Ok(())
}

async fn create(
    State(state): State<Tenant>,
    State(upstream): State<Arc<Upstream>>,
    p: Principal,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(CREATE)?;
    let mut connection = NewConnection::try_from(CreateConnection::parse(&body)?)?
        .into_connection(ConnectionId::generate());
    discover(&upstream, &connection.strategy, &mut connection.options).await?;
    let created = state.store.create_connection(connection).await?;
    Ok(Reply::created(created.to_wire(&state.identity.domain)))
}

async fn read(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let id = path::connection_id(&id, "id")?;
    let selection = Selection::read(&q, &FIELDS)?;
    let c = state.store.get_connection(&id).await?;
    Ok(Reply::ok(
        selection.apply(to_json(&c.to_wire(&state.identity.domain))),
    ))
}

async fn update(
    State(state): State<Tenant>,
    State(upstream): State<Arc<Upstream>>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(UPDATE)?;
    let id = path::connection_id(&id, "id")?;
    let mut patch = ConnectionPatch::from(UpdateConnection::parse(&body)?);
    if let Some(options) = patch.options.as_mut() {
        let current = state.store.get_connection(&id).await?;
        discover(&upstream, &current.strategy, options).await?;
    }
    let c = state.store.update_connection(&id, patch).await?;
    Ok(Reply::ok(c.to_wire(&state.identity.domain)))
}

async fn remove(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.require(DELETE)?;
    let id = path::connection_id(&id, "id")?;
    match state
        .store
        .delete_connection(&id, state.clock.now())
        .await?
    {
        Some(at) => Ok(Reply::new(
            axum::http::StatusCode::ACCEPTED,
            DeletedConnection {
                deleted_at: iso8601_millis(at),
            },
        )
        .into_response()),
        None => Ok(no_content()),
    }
}

/// `GET /connections/{id}/clients`: the clients the connection is enabled for, in checkpoint
/// pages (`take`, `from`), the newer view of `enabled_clients`.
async fn list_clients(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let id = path::connection_id(&id, "id")?;
    let take = q.int(
        "take",
        1,
        100,
        50,
        "Number of results per page. Defaults to 50.",
    )? as usize;
    let after = match q.str("from").filter(|s| !s.is_empty()) {
        Some(token) => Some(decode_cursor(token)?),
        None => None,
    };
    let c = state.store.get_connection(&id).await?;
    // `enabled_clients` is kept sorted: a page starts after the cursor's client id.
    let rest: Vec<&String> = c
        .enabled_clients
        .iter()
        .filter(|client| after.as_ref().is_none_or(|a| *client > a))
        .collect();
    let page: Vec<ConnectionClient> = rest
        .iter()
        .take(take)
        .map(|client| ConnectionClient {
            client_id: (*client).clone(),
        })
        .collect();
    let mut body = serde_json::json!({ "clients": page });
    if rest.len() > take {
        if let Some(last) = page.last() {
            body["next"] = encode_cursor(&last.client_id).into();
        }
    }
    Ok(Reply::ok(body))
}

/// `PATCH /connections/{id}/clients`: enables or disables the connection for each client
/// given, in one transaction (the same rule as `enabled_clients` on `PATCH /connections/{id}`).
async fn change_clients(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    p.require(UPDATE)?;
    let id = path::connection_id(&id, "id")?;
    let patch = ConnectionPatch::from(UpdateConnectionClients::parse(&body)?);
    state.store.update_connection(&id, patch).await?;
    Ok(no_content())
}
