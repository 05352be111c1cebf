//! One step of a login: the `/authorize` parameters (from the query, or carried through a
//! form as hidden fields) checked against the client and resolved against storage: the
//! organization, the connections a person may use, the invitation, the API. Every step
//! resolves the parameters again, so nothing a form carries is trusted.

use orgwarden_domain::client::{Client, OrganizationPrompt};
use orgwarden_domain::connection::{Connection, ConnectionFilter};
use orgwarden_domain::enabled_connection::Settings;
use orgwarden_domain::ids::{ClientId, OrgId};
use orgwarden_domain::invitation::Invitation;
use orgwarden_domain::login::{Authorization, AuthorizeError, AuthorizeParams, ResponseMode};
use orgwarden_domain::organization::Organization;
use orgwarden_domain::paging::PageRequest;
use orgwarden_domain::resource_server::ResourceServer;
use orgwarden_domain::{Error, NotFound};

use crate::tenant::Tenant;

/// How many connections a login page considers (Auth0 allows 10 per organization; a client
/// without organizations sees its first 100).
const MAX_CONNECTIONS: u32 = 100;
/// How many of an organization's pending invitations are searched for a ticket.
const MAX_INVITATIONS: u32 = 1000;

/// A connection a person may use in this login, with the organization's settings for it (the
/// defaults when there is no organization).
#[derive(Debug, Clone)]
pub struct Door {
    pub connection: Connection,
    pub settings: Settings,
}

impl Door {
    pub fn is_database(&self) -> bool {
        self.connection.is_database()
    }

    pub fn label(&self) -> &str {
        self.connection
            .display_name
            .as_deref()
            .unwrap_or(&self.connection.name)
    }
}

/// A resolved login request.
#[derive(Debug, Clone)]
pub struct Flow {
    pub params: AuthorizeParams,
    pub client: Client,
    pub authz: Authorization,
    pub org: Option<Organization>,
    /// The connections offered, in the organization's order (or the tenant's).
    pub doors: Vec<Door>,
    pub invitation: Option<Invitation>,
    pub api: Option<ResourceServer>,
}

/// Why a step cannot go on.
#[derive(Debug)]
pub enum FlowError {
    /// To the application's redirect URI (it is the client's).
    Redirect {
        flow_target: Box<Target>,
        error: &'static str,
        description: String,
    },
    /// On a page: there is nowhere safe to send it.
    Page {
        status: u16,
        title: String,
        message: String,
    },
    /// The organization typed at the prompt does not exist: the prompt again, with a message.
    Prompt {
        params: Box<AuthorizeParams>,
        application: String,
        /// The client's checked redirect URI (the prompt's answer may go there).
        redirect_uri: String,
        message: String,
    },
    /// A federated sign-in failed upstream (or reaching it): a page naming the connection,
    /// and `access_denied` for the application (its redirect URI is trusted).
    Upstream {
        flow_target: Box<Target>,
        connection: String,
        message: String,
    },
    Internal(Error),
}

/// Where an answer goes: the client's checked redirect URI, how, and with which `state`.
#[derive(Debug, Clone)]
pub struct Target {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub state: Option<String>,
}

impl Target {
    pub fn of(authz: &Authorization) -> Self {
        Target {
            redirect_uri: authz.redirect_uri.clone(),
            mode: authz.response_mode,
            state: authz.state.clone(),
        }
    }
}

impl FlowError {
    pub fn page(status: u16, title: &str, message: impl Into<String>) -> Self {
        FlowError::Page {
            status,
            title: title.to_owned(),
            message: message.into(),
        }
    }

    pub fn redirect(
        authz: &Authorization,
        error: &'static str,
        description: impl Into<String>,
    ) -> Self {
        FlowError::Redirect {
            flow_target: Box::new(Target::of(authz)),
            error,
            description: description.into(),
        }
    }
}

impl From<Error> for FlowError {
    fn from(e: Error) -> Self {
        FlowError::Internal(e)
    }
}

/// Checks and resolves `params`.
pub async fn resolve(tenant: &Tenant, params: AuthorizeParams) -> Result<Flow, FlowError> {
    let store = &tenant.store;
    let Some(client_id) = params.client_id() else {
        return Err(FlowError::page(
            400,
            "Invalid request",
            "Missing required parameter: client_id",
        ));
    };
    let unknown = || {
        FlowError::page(
            400,
            "Unknown application",
            format!("Unknown client: {client_id}"),
        )
    };
    let Some(id) = ClientId::parse(client_id) else {
        return Err(unknown());
    };
    let client = match store.get_client(&id).await {
        Ok(c) => c,
        Err(Error::NotFound(_)) => return Err(unknown()),
        Err(e) => return Err(e.into()),
    };
    let identity = tenant.identity.clone();
    let authz = params
        .check(&client, |a| identity.is_management_audience(a))
        .map_err(|e| match e {
            AuthorizeError::Page { title, message } => FlowError::Page {
                status: 400,
                title,
                message,
            },
            AuthorizeError::Redirect { error, description } => FlowError::Redirect {
                flow_target: Box::new(Target {
                    redirect_uri: params.redirect_uri.clone().unwrap_or_default(),
                    // Before the mode was accepted (an unknown one, or web_message to an
                    // origin the client did not list), an error goes back in the query.
                    mode: match ResponseMode::parse(params.response_mode.as_deref()) {
                        Some(ResponseMode::WebMessage) | None => ResponseMode::Query,
                        Some(m) => m,
                    },
                    state: params.state.clone(),
                }),
                error,
                description,
            },
        })?;
    let org = match &authz.organization {
        None => None,
        Some(o) => Some(organization(tenant, o).await.map_err(|e| match e {
            Error::NotFound(_)
                if client.organization_prompt() == Some(OrganizationPrompt::BeforeLogin) =>
            {
                FlowError::Prompt {
                    params: Box::new(params.clone()),
                    application: client.name.clone(),
                    redirect_uri: authz.redirect_uri.clone(),
                    message: format!("No organization is called {o}."),
                }
            }
            Error::NotFound(_) => FlowError::redirect(
                &authz,
                "invalid_request",
                format!("parameter organization is invalid: no organization {o}"),
            ),
            e => e.into(),
        })?),
    };
    let doors = doors(tenant, &client, org.as_ref()).await?;
    if let Some(name) = &authz.connection {
        if !doors.iter().any(|d| &d.connection.name == name) {
            let whose = if org.is_some() {
                "organization and application"
            } else {
                "application"
            };
            return Err(FlowError::redirect(
                &authz,
                "invalid_request",
                format!("the connection {name} is not enabled for this {whose}"),
            ));
        }
    }
    let invitation = match (&authz.invitation, &org) {
        (Some(ticket), Some(org)) => Some(
            invitation(tenant, &org.id, ticket)
                .await?
                .filter(|i| i.client_id == client.client_id)
                .ok_or_else(|| {
                    FlowError::redirect(
                        &authz,
                        "invalid_request",
                        "the invitation is not valid: it has expired, was used, or is for another application",
                    )
                })?,
        ),
        _ => None,
    };
    let api = match &authz.audience {
        None => None,
        Some(a) => match store.get_resource_server(a).await {
            Ok(rs) if &rs.identifier == a => Some(rs),
            Ok(_) | Err(Error::NotFound(_)) => {
                return Err(FlowError::redirect(
                    &authz,
                    "access_denied",
                    format!("Service not found: {a}"),
                ))
            }
            Err(e) => return Err(e.into()),
        },
    };
    Ok(Flow {
        params,
        client,
        authz,
        org,
        doors,
        invitation,
        api,
    })
}

/// An organization by id (`org_…`) or by name.
pub async fn organization(
    tenant: &Tenant,
    id_or_name: &str,
) -> orgwarden_domain::Result<Organization> {
    match OrgId::parse(id_or_name) {
        Some(id) => tenant.store.get_organization(&id).await,
        None => {
            tenant
                .store
                .get_organization_by_name(&id_or_name.to_ascii_lowercase())
                .await
        }
    }
}

/// The connections offered: the organization's enabled connections that are also enabled for
/// the client; without an organization, the client's connections.
async fn doors(
    tenant: &Tenant,
    client: &Client,
    org: Option<&Organization>,
) -> Result<Vec<Door>, FlowError> {
    let store = &tenant.store;
    let mine = |c: &Connection| {
        c.enabled_clients
            .iter()
            .any(|id| id == client.client_id.as_str())
    };
    let mut out = Vec::new();
    match org {
        Some(org) => {
            let enabled = store
                .list_enabled_connections(&org.id, 0, MAX_CONNECTIONS)
                .await?;
            for e in enabled.items {
                let connection = match store.get_connection(&e.connection_id).await {
                    Ok(c) => c,
                    Err(Error::NotFound(NotFound::Connection)) => continue,
                    Err(e) => return Err(e.into()),
                };
                if mine(&connection) {
                    out.push(Door {
                        connection,
                        settings: e.settings,
                    });
                }
            }
        }
        None => {
            let all = store
                .list_connections(
                    &ConnectionFilter::default(),
                    PageRequest::first(MAX_CONNECTIONS),
                )
                .await?;
            for connection in all.items.into_iter().filter(|c| mine(c)) {
                let settings = Settings {
                    is_signup_enabled: connection.is_database(),
                    ..Settings::default()
                };
                out.push(Door {
                    connection,
                    settings,
                });
            }
        }
    }
    Ok(out)
}

/// The organization's pending invitation with this ticket, if any.
async fn invitation(
    tenant: &Tenant,
    org: &OrgId,
    ticket: &str,
) -> orgwarden_domain::Result<Option<Invitation>> {
    let now = tenant.clock.now();
    let per_page = 100;
    for page in 0..MAX_INVITATIONS / per_page {
        let listed = tenant
            .store
            .list_invitations(org, now, false, page, per_page)
            .await?;
        let last = listed.items.len() < per_page as usize;
        if let Some(i) = listed.items.into_iter().find(|i| i.ticket_id == ticket) {
            return Ok(Some(i));
        }
        if last {
            break;
        }
    }
    Ok(None)
}
