//! An organization's Invitations: those not expired (with the link to send, since orgwarden
//! sends no email), creating one for an application with a login URI (the link starts there),
//! and revoking one. The rules are the Management API's (`rules::invitations`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use orgwarden_domain::client::Client;
use orgwarden_domain::enabled_connection::EnabledConnection;
use orgwarden_domain::ids::InvitationId;
use orgwarden_domain::invitation::{Invitation, NewInvitation};
use orgwarden_domain::organization::Organization;
use orgwarden_domain::paging::PageRequest;
use orgwarden_domain::role::Role;
use orgwarden_domain::{Error, NotFound};
use orgwarden_proto::invitations::CreateInvitation;
use orgwarden_proto::Request;
use serde::Deserialize;
use serde_json::{json, Value};

use super::csrf::Posted;
use super::organizations::org_id;
use super::pages::Pages;
use super::paths;
use super::{ok, render, see_other, Errors, FormError, Page, SignedIn, UiResult};
use crate::state::AppState;

/// Invitations listed (Auth0 keeps at most a few thousand per organization; the page shows
/// the newest).
const LISTED: u32 = 100;
/// Clients read to find those with a login URI, and roles offered.
const CLIENTS_MAX: u32 = 100;
const ROLES_MAX: u32 = 100;
const DAY: i64 = 86_400;

const FIELDS: &[(&str, &str)] = &[
    ("inviter", "inviter_name"),
    ("invitee", "invitee_email"),
    ("client_id", "client_id"),
    ("connection_id", "connection_id"),
    ("ttl_sec", "ttl_days"),
    ("roles", "roles"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            paths::ORG_INVITATIONS,
            axum::routing::get(show).post(create),
        )
        .route(paths::REVOKE_ORG_INVITATION, post(revoke))
}

/// The create form, as typed.
pub struct Form {
    pub inviter_name: String,
    pub invitee_email: String,
    pub client_id: String,
    pub connection_id: String,
    pub ttl_days: String,
    pub roles: Vec<String>,
}

impl Default for Form {
    fn default() -> Self {
        Form {
            inviter_name: String::new(),
            invitee_email: String::new(),
            client_id: String::new(),
            connection_id: String::new(),
            ttl_days: "7".into(),
            roles: Vec::new(),
        }
    }
}

/// An application an invitation can be for: one with a login URI.
pub struct App {
    pub id: String,
    pub name: String,
    pub login_uri: String,
}

#[derive(Template)]
#[template(path = "org_invitations.html")]
struct InvitationsPage {
    page: Page,
    org: Organization,
    tab: &'static str,
    invitations: Vec<Invitation>,
    apps: Vec<App>,
    connections: Vec<EnabledConnection>,
    roles: Vec<Role>,
    form: Form,
    errors: Errors,
}

impl InvitationsPage {
    fn role_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.roles
            .iter()
            .find(|r| r.id.as_str() == id)
            .map_or(id, |r| r.name.as_str())
    }

    fn chosen(&self, role: &str) -> bool {
        self.form.roles.iter().any(|r| r == role)
    }
}

fn login_uri(c: &Client) -> Option<&str> {
    c.attributes
        .get("initiate_login_uri")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
}

async fn page(
    state: &Pages,
    who: &SignedIn,
    org: Organization,
    form: Form,
    errors: Errors,
    notice: Option<&str>,
) -> UiResult<InvitationsPage> {
    let invitations = state
        .store
        .list_invitations(&org.id, state.clock.now(), true, 0, LISTED)
        .await?
        .items;
    let apps = state
        .store
        .list_clients(PageRequest::first(CLIENTS_MAX))
        .await?
        .items
        .iter()
        .filter_map(|c| {
            login_uri(c).map(|u| App {
                id: c.client_id.as_str().to_owned(),
                name: c.name.clone(),
                login_uri: u.to_owned(),
            })
        })
        .collect();
    let connections = state
        .store
        .list_enabled_connections(&org.id, 0, 100)
        .await?
        .items;
    let roles = state.store.list_roles(None, 0, ROLES_MAX).await?.items;
    Ok(InvitationsPage {
        page: Page::new(who, format!("{} · Invitations", org.name), "organizations")
            .with_notice(notice),
        org,
        tab: "invitations",
        invitations,
        apps,
        connections,
        roles,
        form,
        errors,
    })
}

#[derive(Deserialize)]
struct ShowQuery {
    notice: Option<String>,
}

async fn show(
    State(state): State<Pages>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> UiResult<Response> {
    let org = state.store.get_organization(&org_id(&id)?).await?;
    let t = page(
        &state,
        &who,
        org,
        Form::default(),
        Errors::none(),
        q.notice.as_deref(),
    )
    .await?;
    Ok(ok(&t))
}

/// The API's body for the form: the same checks and messages as `POST …/invitations`.
fn body(form: &Form) -> Result<Value, FormError> {
    let days = form.ttl_days.trim();
    let ttl_sec = if days.is_empty() {
        0
    } else {
        match days.parse::<i64>() {
            Ok(d) if (0..=30).contains(&d) => d * DAY,
            _ => {
                return Err(FormError {
                    field: Some("ttl_days"),
                    message: "Enter a number of days from 1 to 30 (0 or empty: 7 days).".into(),
                })
            }
        }
    };
    let mut body = json!({
        "inviter": {"name": form.inviter_name.trim()},
        "invitee": {"email": form.invitee_email.trim()},
        "client_id": form.client_id,
        "ttl_sec": ttl_sec,
        "send_invitation_email": false,
    });
    if !form.connection_id.is_empty() {
        body["connection_id"] = json!(form.connection_id);
    }
    if !form.roles.is_empty() {
        body["roles"] = json!(form.roles);
    }
    Ok(body)
}

async fn create(
    State(state): State<Pages>,
    Path(id): Path<String>,
    posted: Posted,
) -> UiResult<Response> {
    let id = org_id(&id)?;
    let org = state.store.get_organization(&id).await?;
    let f = &posted.form;
    let form = Form {
        inviter_name: f.get("inviter_name").to_owned(),
        invitee_email: f.get("invitee_email").to_owned(),
        client_id: f.get("client_id").to_owned(),
        connection_id: f.get("connection_id").to_owned(),
        ttl_days: f.get("ttl_days").to_owned(),
        roles: f.all("roles").into_iter().map(str::to_owned).collect(),
    };
    let result = if form.client_id.is_empty() {
        Err(FormError {
            field: Some("client_id"),
            message: "Choose the application the invitation is for.".into(),
        })
    } else {
        match body(&form) {
            Err(e) => Err(e),
            Ok(body) => {
                let made = CreateInvitation::parse(&body)
                    .map_err(Error::from)
                    .and_then(NewInvitation::try_from);
                let stored = match made {
                    Ok(new) => {
                        state
                            .store
                            .create_invitation(&id, new, state.clock.now())
                            .await
                    }
                    Err(e) => Err(e),
                };
                match stored {
                    Ok(_) => Ok(()),
                    Err(Error::NotFound(NotFound::Client)) => Err(FormError {
                        field: Some("client_id"),
                        message: "That application no longer exists.".into(),
                    }),
                    Err(e) => Err(FormError::from_domain(e, FIELDS)?),
                }
            }
        }
    };
    match result {
        Ok(()) => Ok(see_other(&format!(
            "{}?notice=invited",
            paths::org_invitations(id.as_str())
        ))),
        Err(e) => {
            let t = page(&state, &posted.who, org, form, Errors(Some(e)), None).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
    }
}

async fn revoke(
    State(state): State<Pages>,
    Path((id, iid)): Path<(String, String)>,
    _posted: Posted,
) -> UiResult<Response> {
    let id = org_id(&id)?;
    let iid = InvitationId::parse(&iid).ok_or(Error::NotFound(NotFound::Invitation))?;
    state.store.delete_invitation(&id, &iid).await?;
    Ok(see_other(&format!(
        "{}?notice=revoked",
        paths::org_invitations(id.as_str())
    )))
}
