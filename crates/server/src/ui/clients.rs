//! Machine clients: list, create (the secret is shown once), rotate the secret, and grant
//! Management API scopes (the client's grant for this server's audience).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orgwarden_domain::client::{
    secret, Client, ClientGrantPatch, ClientPatch, NewClient, NewClientGrant,
};
use orgwarden_domain::ids::ClientId;
use orgwarden_domain::paging::PageRequest;
use orgwarden_domain::scope::MANAGEMENT_SCOPES;
use orgwarden_proto::clients::CreateClient;
use orgwarden_proto::grants::{CreateClientGrant, UpdateClientGrant};
use orgwarden_proto::Request;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::csrf::Posted;
use super::pages::Pages;
use super::paths;
use super::{
    ok, render, see_other, url_with, Errors, FormError, Page, SignedIn, UiError, UiResult,
};
use crate::state::AppState;

const PAGE_SIZE: u32 = 50;
const FIELDS: &[(&str, &str)] = &[("name", "name")];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::CLIENTS, get(list).post(create))
        .route(paths::CLIENT, get(view))
        .route(paths::ROTATE_CLIENT, post(rotate))
        .route(paths::GRANT_CLIENT, post(grant))
}

fn client_id(id: &str) -> UiResult<ClientId> {
    ClientId::parse(id)
        .ok_or_else(|| orgwarden_domain::Error::NotFound(orgwarden_domain::NotFound::Client).into())
}

#[derive(Deserialize)]
struct ListQuery {
    from: Option<String>,
}

#[derive(Template)]
#[template(path = "clients.html")]
struct ListPage {
    page: Page,
    clients: Vec<Client>,
    next: Option<String>,
    name: String,
    errors: Errors,
    admin: String,
}

async fn list_page(
    state: &Pages,
    who: &SignedIn,
    from: Option<String>,
    name: String,
    errors: Errors,
) -> UiResult<ListPage> {
    let listing = state
        .store
        .list_clients(PageRequest::Checkpoint {
            from: from.filter(|f| !f.is_empty()),
            take: PAGE_SIZE,
        })
        .await?;
    Ok(ListPage {
        page: Page::new(who, "Machine clients", "clients"),
        clients: listing.items,
        next: listing
            .next
            .map(|n| url_with(&paths::clients(), &[("from", &n)])),
        name,
        errors,
        admin: state
            .dashboard
            .config
            .admin_client_id
            .clone()
            .unwrap_or_default(),
    })
}

async fn list(
    State(state): State<Pages>,
    who: SignedIn,
    Query(q): Query<ListQuery>,
) -> UiResult<Response> {
    let t = list_page(&state, &who, q.from, String::new(), Errors::none()).await?;
    Ok(ok(&t))
}

#[derive(Template)]
#[template(path = "client.html")]
struct ViewPage {
    page: Page,
    client: Client,
    /// Shown once, right after creation or rotation.
    secret: Option<String>,
    scopes: Vec<(&'static str, bool)>,
    audience: String,
    is_admin: bool,
}

async fn view_page(
    state: &Pages,
    who: &SignedIn,
    client: Client,
    secret: Option<String>,
    notice: Option<&str>,
) -> UiResult<ViewPage> {
    let grant = state
        .store
        .find_grant(&client.client_id, &state.identity.audience)
        .await?;
    let granted = grant.map(|g| g.scope).unwrap_or_default();
    Ok(ViewPage {
        page: Page::new(who, format!("Client {}", client.name), "clients").with_notice(notice),
        is_admin: state.dashboard.config.admin_client_id.as_deref()
            == Some(client.client_id.as_str()),
        scopes: MANAGEMENT_SCOPES
            .iter()
            .map(|s| (*s, granted.iter().any(|g| g == s)))
            .collect(),
        audience: state.identity.audience.clone(),
        client,
        secret,
    })
}

async fn create(State(state): State<Pages>, posted: Posted) -> UiResult<Response> {
    let name = posted.form.get("name").trim().to_owned();
    let mut attributes = Map::new();
    attributes.insert("app_type".into(), Value::from("non_interactive"));
    let body = CreateClient {
        name: name.clone(),
        attributes,
    };
    let made = match body.validated() {
        Ok(body) => {
            let (client, secret) = NewClient::from(body).into_client();
            state.store.create_client(client).await.map(|c| (c, secret))
        }
        Err(e) => Err(e.into()),
    };
    match made {
        Ok((client, secret)) => {
            let mut t = view_page(&state, &posted.who, client, Some(secret), None).await?;
            t.page.notice =
                Some("Client created. Copy its secret now: it is not shown again.".into());
            Ok(render(StatusCode::CREATED, &t))
        }
        Err(e) => {
            let errors = Errors(Some(FormError::from_domain(e, FIELDS)?));
            let t = list_page(&state, &posted.who, None, name, errors).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
    }
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn view(
    State(state): State<Pages>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> UiResult<Response> {
    let client = state.store.get_client(&client_id(&id)?).await?;
    let t = view_page(&state, &who, client, None, q.notice.as_deref()).await?;
    Ok(ok(&t))
}

async fn rotate(
    State(state): State<Pages>,
    Path(id): Path<String>,
    posted: Posted,
) -> UiResult<Response> {
    let id = client_id(&id)?;
    if state.dashboard.config.admin_client_id.as_deref() == Some(id.as_str()) {
        return Err(UiError::page(
            StatusCode::BAD_REQUEST,
            "Not from the dashboard",
            "The admin client's secret is kept in admin-client.json and signs in to this dashboard, so it is not rotated here.",
        ));
    }
    let new_secret = secret::generate();
    let patch = ClientPatch {
        client_secret: Some(new_secret.clone()),
        ..Default::default()
    };
    let client = state.store.update_client(&id, patch).await?;
    let mut t = view_page(&state, &posted.who, client, Some(new_secret), None).await?;
    t.page.notice =
        Some("Secret rotated: the old one no longer works. Copy the new one now.".into());
    Ok(ok(&t))
}

async fn grant(
    State(state): State<Pages>,
    Path(id): Path<String>,
    posted: Posted,
) -> UiResult<Response> {
    let id = client_id(&id)?;
    let client = state.store.get_client(&id).await?;
    let mut scopes: Vec<String> = posted
        .form
        .all("scope")
        .into_iter()
        .filter(|s| MANAGEMENT_SCOPES.contains(s))
        .map(str::to_owned)
        .collect();
    let audience = state.identity.audience.clone();
    match state.store.find_grant(&client.client_id, &audience).await? {
        Some(g) => {
            // Scopes the form does not show (such as orgwarden's own) are kept.
            let others = g
                .scope
                .iter()
                .filter(|s| !MANAGEMENT_SCOPES.contains(&s.as_str()));
            scopes.extend(others.cloned());
            let body = UpdateClientGrant {
                scope: Some(scopes),
                ..Default::default()
            }
            .validated()
            .map_err(orgwarden_domain::Error::from)?;
            let patch = ClientGrantPatch::from(body);
            state.store.update_grant(&g.id, patch).await?;
        }
        None => {
            let body = CreateClientGrant {
                client_id: client.client_id.as_str().to_owned(),
                audience,
                scope: Some(scopes),
                ..Default::default()
            }
            .validated()
            .map_err(orgwarden_domain::Error::from)?;
            let grant = NewClientGrant::try_from(body)?.into_grant();
            state.store.create_grant(grant).await?;
        }
    }
    Ok(see_other(&format!(
        "{}?notice=granted",
        paths::client(client.client_id.as_str())
    )))
}
