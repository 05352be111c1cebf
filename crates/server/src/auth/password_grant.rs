//! `grant_type=http://auth0.com/oauth/grant-type/password-realm`: a person's email and
//! password on a database connection (`realm`), optionally into an `organization`. The same
//! checks as the login form, in the token endpoint's words: the connection must be enabled for
//! the client (and the organization), failures are counted per source and per account, and the
//! organization's admission rule applies.

use axum::http::StatusCode;
use orgwarden_domain::client::{Client, OrganizationUsage};
use orgwarden_domain::connection::Connection;
use orgwarden_domain::enabled_connection::Settings;
use orgwarden_domain::login::PersonGrant;
use orgwarden_domain::{Error, NotFound};
use orgwarden_proto::tokens;
use serde_json::{Map, Value};

use super::attempts::Account;
use super::person::{internal, respond};
use super::token_endpoint::{oauth, param, Endpoint, OAuthError};
use crate::accounts::MAX_CREDENTIAL_CHARS;
use crate::login::complete::admit_to;
use crate::login::flow::organization;

fn bad(description: impl Into<String>) -> OAuthError {
    oauth(StatusCode::BAD_REQUEST, "invalid_request", description)
}

pub(super) async fn password_realm(
    state: &Endpoint,
    client: &Client,
    params: &Map<String, Value>,
    source: &str,
) -> Result<Value, OAuthError> {
    if !client.allows_grant(tokens::PASSWORD_REALM) {
        return Err(oauth(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            format!(
                "Grant type '{}' not allowed for the client.",
                tokens::PASSWORD_REALM
            ),
        ));
    }
    let username =
        param(params, "username").ok_or_else(|| bad("Missing required parameter: username"))?;
    let password =
        param(params, "password").ok_or_else(|| bad("Missing required parameter: password"))?;
    let realm = param(params, "realm").ok_or_else(|| bad("Missing required parameter: realm"))?;
    if username.len() > MAX_CREDENTIAL_CHARS || password.len() > MAX_CREDENTIAL_CHARS {
        return Err(bad("username and password are at most 512 characters"));
    }
    let tenant = &state.tenant;
    let connection = realm_of(state, client, realm).await?;
    let org = match (client.organization_usage(), param(params, "organization")) {
        (OrganizationUsage::Deny, Some(_)) => {
            return Err(bad("parameter organization is not allowed for this client"))
        }
        (OrganizationUsage::Require, None) => {
            return Err(bad("parameter organization is required for this client"))
        }
        (_, None) => None,
        (_, Some(o)) => match organization(tenant, o).await {
            Ok(org) => Some(org),
            Err(Error::NotFound(_)) => {
                return Err(bad(format!(
                    "parameter organization is invalid: no organization {o}"
                )))
            }
            Err(e) => return Err(internal("reading the organization", e)),
        },
    };
    let settings = match &org {
        None => Settings::default(),
        Some(org) => match tenant
            .store
            .get_enabled_connection(&org.id, &connection.id)
            .await
        {
            Ok(e) => e.settings,
            Err(Error::NotFound(_)) => {
                return Err(bad(format!(
                    "the connection {realm} is not enabled for this organization"
                )))
            }
            Err(e) => return Err(internal("reading the organization's connection", e)),
        },
    };

    let email = username.trim().to_lowercase();
    let account = Account {
        source,
        connection: realm,
        email: &email,
    };
    let now = crate::ratelimit::limits::now_ms(tenant.clock.as_ref());
    if let Some(wait) = state.attempts.password_blocked(&account, now) {
        return Err(super::token_endpoint::too_many_attempts(wait));
    }
    let found =
        crate::accounts::authenticate(&tenant.store, &connection, &email, password.to_owned())
            .await
            .map_err(|e| internal("checking the password", e))?;
    let Some(user) = found else {
        state.attempts.password_failed(&account, now);
        return Err(oauth(
            StatusCode::FORBIDDEN,
            "invalid_grant",
            "Wrong email or password.",
        ));
    };
    if user.profile.blocked == Some(true) {
        return Err(oauth(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "user is blocked",
        ));
    }
    if let Some(org) = &org {
        let admitted = admit_to(tenant, org, &user, &settings, None)
            .await
            .map_err(|e| internal("admitting to the organization", e))?;
        if let Err(refusal) = admitted {
            return Err(oauth(
                StatusCode::FORBIDDEN,
                "access_denied",
                refusal.description(),
            ));
        }
    }
    let grant = PersonGrant {
        client_id: client.client_id.as_str().to_owned(),
        user_id: user.id.as_str().to_owned(),
        org_id: org.as_ref().map(|o| o.id.as_str().to_owned()),
        org_name: org.as_ref().map(|o| o.name.clone()),
        scope: param(params, "scope").unwrap_or("openid").to_owned(),
        audience: param(params, "audience").map(str::to_owned),
        nonce: None,
        auth_time: tenant.clock.now().unix_timestamp(),
        sid: None,
    };
    if grant
        .audience
        .as_deref()
        .is_some_and(|a| tenant.identity.is_management_audience(a))
    {
        return Err(oauth(
            StatusCode::FORBIDDEN,
            "access_denied",
            "Tokens for the Management API are not issued to people here: use a client grant.",
        ));
    }
    // A family of its own: the refresh tokens of this sign-in.
    let family = orgwarden_domain::login::artifact::new_secret().1;
    respond(state, client, &grant, Some(&family)).await
}

/// The database connection named `realm`, enabled for the client.
async fn realm_of(
    state: &Endpoint,
    client: &Client,
    realm: &str,
) -> Result<Connection, OAuthError> {
    let found = match crate::accounts::connection_named(&state.tenant.store, realm).await {
        Ok(c) => Some(c),
        Err(Error::Invalid(_)) | Err(Error::NotFound(NotFound::Connection)) => None,
        Err(e) => return Err(internal("reading the connection", e)),
    };
    match found {
        Some(c)
            if c.is_database()
                && c.enabled_clients
                    .iter()
                    .any(|id| id == client.client_id.as_str()) =>
        {
            Ok(c)
        }
        _ => Err(bad(format!(
            "the connection {realm} is not a database connection enabled for this client"
        ))),
    }
}
