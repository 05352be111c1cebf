//! An organization's Connections (the view Auth0's guide names): its enabled connections and
//! their three settings, enabling one from the tenant's other connections, disabling one, and
//! a "try it" panel with the guide's call for this organization.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orgwarden_domain::connection::{Connection, ConnectionFilter};
use orgwarden_domain::enabled_connection::{
    EnabledConnection, NewEnabledConnection, SettingsPatch, MAX_PER_ORGANIZATION,
};
use orgwarden_domain::ids::{ConnectionId, OrgId};
use orgwarden_domain::organization::Organization;
use orgwarden_domain::paging::PageRequest;
use orgwarden_proto::enabled_connections::{CreateEnabledConnection, SettingsBody};
use orgwarden_proto::Request;
use serde::Deserialize;

use super::csrf::Posted;
use super::organizations::org_id;
use super::pages::Pages;
use super::paths;
use super::{ok, render, see_other, Errors, FormError, Page, SignedIn, UiError, UiResult};
use crate::state::AppState;

/// Shown next to the sign-up control, not only as an error.
pub const SIGNUP_HINT: &str =
    "Sign-up needs membership on login, and only database connections support it.";
/// At most this many candidates are listed in the picker (narrow them with the filter).
const PICKER_MAX: usize = 50;
/// Connections read to find the candidates.
const SCAN_MAX: usize = 2000;

const ENABLE_FIELDS: &[(&str, &str)] = &[("connection_id", "connection_id")];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::ORG_CONNECTIONS, get(show).post(enable))
        .route(paths::ORG_CONNECTION, post(update))
        .route(
            paths::DISABLE_ORG_CONNECTION,
            get(confirm_disable).post(disable),
        )
}

fn connection_id(id: &str) -> UiResult<ConnectionId> {
    ConnectionId::parse(id).ok_or_else(|| {
        orgwarden_domain::Error::NotFound(orgwarden_domain::NotFound::Connection).into()
    })
}

/// One enabled connection as shown (with what was typed, after a refused change).
pub struct Row {
    pub id: String,
    pub name: String,
    pub strategy: String,
    pub is_database: bool,
    pub membership: bool,
    pub button: bool,
    pub signup: bool,
    pub error: Option<String>,
}

impl Row {
    fn from(e: &EnabledConnection) -> Self {
        Row {
            id: e.connection_id.as_str().to_owned(),
            name: e.connection.name.clone(),
            strategy: e.connection.strategy.clone(),
            is_database: e.connection.is_database(),
            membership: e.settings.assign_membership_on_login,
            button: e.settings.show_as_button,
            signup: e.settings.is_signup_enabled,
            error: None,
        }
    }
}

/// The enable form, as typed.
#[derive(Default)]
pub struct EnableForm {
    pub connection_id: String,
    pub membership: bool,
    pub button: bool,
    pub signup: bool,
}

pub struct TryIt {
    /// Whether the server serves HTTPS (the SDKs' `domain` needs it).
    pub tls: bool,
    pub token: String,
    pub curl: String,
    pub node: String,
    pub python: String,
}

#[derive(Template)]
#[template(path = "org_connections.html")]
struct ConnectionsPage {
    page: Page,
    org: Organization,
    tab: &'static str,
    rows: Vec<Row>,
    max: usize,
    pick: String,
    candidates: Vec<Connection>,
    more_candidates: bool,
    enable: EnableForm,
    errors: Errors,
    signup_hint: &'static str,
    try_it: Option<TryIt>,
    /// Applications that can sign people in to this organization: (name, `/authorize` link).
    sign_in: Vec<(String, String)>,
}

impl ConnectionsPage {
    fn full(&self) -> bool {
        self.rows.len() >= self.max
    }
}

#[derive(Deserialize)]
struct ShowQuery {
    #[serde(default)]
    pick: String,
    notice: Option<String>,
}

async fn enabled(state: &Pages, org: &OrgId) -> UiResult<Vec<EnabledConnection>> {
    let max = u32::try_from(MAX_PER_ORGANIZATION).unwrap_or(10) * 5;
    Ok(state
        .store
        .list_enabled_connections(org, 0, max)
        .await?
        .items)
}

/// The tenant's connections not enabled for the organization whose name contains `pick`.
async fn candidates(
    state: &Pages,
    enabled: &[EnabledConnection],
    pick: &str,
) -> UiResult<(Vec<Connection>, bool)> {
    let pick = pick.to_lowercase();
    let mut found = Vec::new();
    let mut from = None;
    let mut scanned = 0;
    loop {
        let page = state
            .store
            .list_connections(
                &ConnectionFilter::default(),
                PageRequest::Checkpoint {
                    from: from.take(),
                    take: 100,
                },
            )
            .await?;
        scanned += page.items.len();
        for c in page.items {
            let taken = enabled.iter().any(|e| e.connection_id == c.id);
            if !taken && c.name.to_lowercase().contains(&pick) {
                if found.len() == PICKER_MAX {
                    return Ok((found, true));
                }
                found.push(c);
            }
        }
        match page.next {
            Some(n) if scanned < SCAN_MAX => from = Some(n),
            Some(_) => return Ok((found, true)),
            None => return Ok((found, false)),
        }
    }
}

/// The "try it" panel's token: long enough to paste into a terminal, short enough that a copy
/// left behind (a screenshot, a shell history, a session signed out) soon stops working.
pub const TRY_IT_LIFETIME_SECS: i64 = 600;

fn try_it(state: &Pages, org: &Organization) -> Option<TryIt> {
    let admin = state.dashboard.config.admin_client_id.as_deref()?;
    let token = state
        .tokens
        .mint_for(
            admin,
            &state.identity.audience,
            &["read:organization_connections".to_owned()],
            TRY_IT_LIFETIME_SECS,
        )
        .ok()?;
    let base = &state.identity.base_url;
    let domain = &state.identity.domain;
    let id = org.id.as_str();
    let cacert = state
        .dashboard
        .config
        .cacert
        .as_ref()
        .map(|c| format!("--cacert {c} "))
        .unwrap_or_default();
    let curl = format!(
        "curl {cacert}--request GET \\\n  --url '{base}/api/v2/organizations/{id}/enabled_connections' \\\n  --header 'authorization: Bearer {token}'"
    );
    let node = format!(
        "// npm install auth0    (NODE_EXTRA_CA_CERTS=<the CA file> if the CA is not trusted)\nimport {{ ManagementClient }} from \"auth0\";\n\nconst management = new ManagementClient({{\n  domain: \"{domain}\",\n  token: \"{token}\",\n}});\nconst page = await management.organizations.enabledConnections.list(\"{id}\");\nfor (const c of page.data) console.log(c.connection_id, c.connection.name);"
    );
    let python = format!(
        "# pip install auth0-python    (SSL_CERT_FILE=<the CA file> if the CA is not trusted)\nfrom auth0.management import Auth0\n\nclient = Auth0(base_url=\"{base}/api/v2\", token=\"{token}\")\nfor c in client.organizations.enabled_connections.list(\"{id}\"):\n    print(c.connection_id, c.connection.name)"
    );
    Some(TryIt {
        tls: base.starts_with("https://"),
        token,
        curl,
        node,
        python,
    })
}

struct Render {
    rows: Vec<Row>,
    pick: String,
    enable: EnableForm,
    errors: Errors,
    notice: Option<String>,
}

async fn page(
    state: &Pages,
    who: &SignedIn,
    org: Organization,
    enabled: &[EnabledConnection],
    r: Render,
) -> UiResult<ConnectionsPage> {
    let (candidates, more_candidates) = candidates(state, enabled, &r.pick).await?;
    let try_it = try_it(state, &org);
    let sign_in = sign_in_links(state, &org, enabled).await?;
    Ok(ConnectionsPage {
        page: Page::new(who, format!("{} · Connections", org.name), "organizations")
            .with_notice(r.notice.as_deref()),
        org,
        tab: "connections",
        rows: r.rows,
        max: MAX_PER_ORGANIZATION,
        pick: r.pick,
        candidates,
        more_candidates,
        enable: r.enable,
        errors: r.errors,
        signup_hint: SIGNUP_HINT,
        try_it,
        sign_in,
    })
}

/// How many applications are looked at for "Try sign-in".
const MAX_SIGN_IN_CLIENTS: u32 = 100;

/// The applications people can sign in to this organization with: a confidential client with
/// a callback, the `authorization_code` grant, organizations allowed, and one of the
/// organization's connections enabled for it. Each with a link that starts a sign-in (ending
/// at the application's first callback with a code).
async fn sign_in_links(
    state: &Pages,
    org: &Organization,
    enabled: &[EnabledConnection],
) -> UiResult<Vec<(String, String)>> {
    use orgwarden_domain::client::OrganizationUsage;
    let mut connections = Vec::new();
    for e in enabled {
        if let Ok(c) = state.store.get_connection(&e.connection_id).await {
            connections.push(c);
        }
    }
    let clients = state
        .store
        .list_clients(orgwarden_domain::paging::PageRequest::first(
            MAX_SIGN_IN_CLIENTS,
        ))
        .await?;
    let mut out = Vec::new();
    for c in clients.items {
        let Some(callback) = c.callbacks().first().map(|s| s.to_string()) else {
            continue;
        };
        let usable = c.allows_grant("authorization_code")
            && !c.is_public()
            && c.organization_usage() != OrganizationUsage::Deny
            && connections.iter().any(|k| {
                k.enabled_clients
                    .iter()
                    .any(|id| id == c.client_id.as_str())
            });
        if !usable {
            continue;
        }
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", c.client_id.as_str())
            .append_pair("redirect_uri", &callback)
            .append_pair("organization", org.id.as_str())
            .append_pair("scope", "openid profile email")
            .append_pair("prompt", "login")
            .finish();
        out.push((
            c.name.clone(),
            format!("{}?{query}", crate::login::AUTHORIZE),
        ));
    }
    Ok(out)
}

async fn show(
    State(state): State<Pages>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> UiResult<Response> {
    let id = org_id(&id)?;
    let org = state.store.get_organization(&id).await?;
    let enabled = enabled(&state, &id).await?;
    let r = Render {
        rows: enabled.iter().map(Row::from).collect(),
        pick: q.pick.trim().to_owned(),
        enable: EnableForm {
            button: true,
            ..Default::default()
        },
        errors: Errors::none(),
        notice: q.notice,
    };
    let t = page(&state, &who, org, &enabled, r).await?;
    Ok(ok(&t))
}

async fn enable(
    State(state): State<Pages>,
    Path(id): Path<String>,
    posted: Posted,
) -> UiResult<Response> {
    let id = org_id(&id)?;
    let org = state.store.get_organization(&id).await?;
    let f = &posted.form;
    let form = EnableForm {
        connection_id: f.get("connection_id").to_owned(),
        membership: f.checked("assign_membership_on_login"),
        button: f.checked("show_as_button"),
        signup: f.checked("is_signup_enabled"),
    };
    let result = if form.connection_id.is_empty() {
        Err(FormError {
            field: Some("connection_id"),
            message: "Choose a connection to enable.".into(),
        })
    } else {
        let body = CreateEnabledConnection {
            connection_id: form.connection_id.clone(),
            settings: SettingsBody {
                assign_membership_on_login: Some(form.membership),
                show_as_button: Some(form.button),
                is_signup_enabled: Some(form.signup),
            },
        };
        let checked = body.validated().map_err(Into::into);
        let stored = match checked.and_then(NewEnabledConnection::try_from) {
            Ok(new) => state.store.enable_connection(&id, new).await,
            Err(e) => Err(e),
        };
        match stored {
            Ok(_) => Ok(()),
            // A connection that went away meanwhile is a form error, not a missing page.
            Err(orgwarden_domain::Error::NotFound(orgwarden_domain::NotFound::Connection)) => {
                Err(FormError {
                    field: Some("connection_id"),
                    message: "That connection no longer exists.".into(),
                })
            }
            Err(e) => Err(FormError::from_domain(e, ENABLE_FIELDS)?),
        }
    };
    match result {
        Ok(()) => Ok(see_other(&format!(
            "{}?notice=enabled",
            paths::org_connections(id.as_str())
        ))),
        Err(e) => {
            let enabled = enabled(&state, &id).await?;
            let r = Render {
                rows: enabled.iter().map(Row::from).collect(),
                pick: f.get("pick").to_owned(),
                enable: form,
                errors: Errors(Some(e)),
                notice: None,
            };
            let t = page(&state, &posted.who, org, &enabled, r).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
    }
}

async fn update(
    State(state): State<Pages>,
    Path((id, cid)): Path<(String, String)>,
    posted: Posted,
) -> UiResult<Response> {
    let (id, cid) = (org_id(&id)?, connection_id(&cid)?);
    let org = state.store.get_organization(&id).await?;
    let current = state.store.get_enabled_connection(&id, &cid).await?;
    let f = &posted.form;
    let (membership, button, signup) = (
        f.checked("assign_membership_on_login"),
        f.checked("show_as_button"),
        f.checked("is_signup_enabled"),
    );
    // Three booleans: nothing a schema could refuse, so the form maps to the change itself.
    let patch = SettingsPatch {
        assign_membership_on_login: Some(membership),
        show_as_button: Some(button),
        is_signup_enabled: Some(signup),
    };
    let stored = state
        .store
        .update_enabled_connection(&id, &cid, patch)
        .await;
    match stored {
        Ok(_) => Ok(see_other(&format!(
            "{}?notice=saved",
            paths::org_connections(id.as_str())
        ))),
        Err(e) => {
            let message = FormError::from_domain(e, &[])?.message;
            let enabled = enabled(&state, &id).await?;
            let rows = enabled
                .iter()
                .map(|e| {
                    let mut row = Row::from(e);
                    if e.connection_id == current.connection_id {
                        row.membership = membership;
                        row.button = button;
                        row.signup = signup;
                        row.error = Some(message.clone());
                    }
                    row
                })
                .collect();
            let r = Render {
                rows,
                pick: String::new(),
                enable: EnableForm {
                    button: true,
                    ..Default::default()
                },
                errors: Errors::none(),
                notice: None,
            };
            let t = page(&state, &posted.who, org, &enabled, r).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
    }
}

#[derive(Template)]
#[template(path = "org_connection_disable.html")]
struct DisablePage {
    page: Page,
    org: Organization,
    row: Row,
}

async fn confirm_disable(
    State(state): State<Pages>,
    who: SignedIn,
    Path((id, cid)): Path<(String, String)>,
) -> UiResult<Response> {
    let (id, cid) = (org_id(&id)?, connection_id(&cid)?);
    let org = state.store.get_organization(&id).await?;
    let e = state.store.get_enabled_connection(&id, &cid).await?;
    Ok(ok(&DisablePage {
        page: Page::new(
            &who,
            format!("Disable {}", e.connection.name),
            "organizations",
        ),
        org,
        row: Row::from(&e),
    }))
}

async fn disable(
    State(state): State<Pages>,
    Path((id, cid)): Path<(String, String)>,
    _posted: Posted,
) -> UiResult<Response> {
    let (id, cid) = (org_id(&id)?, connection_id(&cid)?);
    state
        .store
        .disable_connection(&id, &cid)
        .await
        .map_err(UiError::from)?;
    Ok(see_other(&format!(
        "{}?notice=disabled",
        paths::org_connections(id.as_str())
    )))
}
