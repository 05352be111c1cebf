//! What the person grants of the token endpoint share (`authorization_code`, `refresh_token`,
//! password-realm): the API and its scopes and permissions, the tokens, and refresh tokens
//! with their families (a login's descendants; revoking one revokes all).

use axum::http::StatusCode;
use orgwarden_domain::client::Client;
use orgwarden_domain::ids::OrgId;
use orgwarden_domain::login::artifact::new_secret;
use orgwarden_domain::login::claims::granted;
use orgwarden_domain::login::permissions;
use orgwarden_domain::login::{Artifact, ArtifactKind, PersonGrant, RefreshGrant};
use orgwarden_domain::resource_server::ResourceServer;
use orgwarden_domain::user::{User, UserId};
use orgwarden_domain::{Error, NotFound};
use orgwarden_proto::tokens::{PersonTokenResponse, REFRESH_TOKEN};
use serde_json::Value;
use time::Duration;

use super::token_endpoint::{oauth, Endpoint, OAuthError};
use super::tokens::PersonTokens;
use crate::api::json::to_json;

pub(super) fn invalid_grant(description: &str) -> OAuthError {
    oauth(StatusCode::FORBIDDEN, "invalid_grant", description)
}

pub(super) fn internal(what: &str, e: Error) -> OAuthError {
    tracing::error!(error = ?e, "token endpoint: {what} failed");
    oauth(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "Internal error",
    )
}

/// The person a grant names, if they still exist and are not blocked.
pub(super) async fn person(
    state: &Endpoint,
    user_id: &str,
    gone: &str,
) -> Result<User, OAuthError> {
    let Some(id) = UserId::parse(user_id) else {
        return Err(invalid_grant(gone));
    };
    match state.tenant.store.get_user(&id).await {
        Ok(u) if u.profile.blocked == Some(true) => Err(invalid_grant("user is blocked")),
        Ok(u) => Ok(u),
        Err(Error::NotFound(NotFound::User)) => Err(invalid_grant(gone)),
        Err(e) => Err(internal("reading the user", e)),
    }
}

/// The API a grant asks for, if any (refused if it no longer exists).
pub(super) async fn api(
    state: &Endpoint,
    audience: Option<&str>,
) -> Result<Option<ResourceServer>, OAuthError> {
    let Some(a) = audience else {
        return Ok(None);
    };
    match state.tenant.store.get_resource_server(a).await {
        Ok(rs) if rs.identifier == a => Ok(Some(rs)),
        Ok(_) | Err(Error::NotFound(_)) => Err(oauth(
            StatusCode::FORBIDDEN,
            "access_denied",
            format!("Service not found: {a}"),
        )),
        Err(e) => Err(internal("reading the resource server", e)),
    }
}

/// Whether a refresh token comes with these tokens: `offline_access` asked for, the client
/// allowed the refresh grant, and the API (if any) allows offline access.
fn wants_refresh(client: &Client, scopes: &[String], api: Option<&ResourceServer>) -> bool {
    scopes.iter().any(|s| s == "offline_access")
        && client.allows_grant(REFRESH_TOKEN)
        && api.is_none_or(|a| a.settings.allow_offline_access)
}

/// Signs the person's tokens for `grant`; with a `family`, a refresh token in it when the
/// client and scopes call for one.
pub(super) async fn respond(
    state: &Endpoint,
    client: &Client,
    grant: &PersonGrant,
    family: Option<&str>,
) -> Result<Value, OAuthError> {
    let user = person(state, &grant.user_id, "Invalid authorization code").await?;
    let api = api(state, grant.audience.as_deref()).await?;
    let permissions = match &api {
        Some(rs) if rs.settings.enforce_policies == Some(true) => {
            // A grant's org_id was an organization's id when stored; one that is not must not
            // fall back to the person's tenant permissions.
            let org = match grant.org_id.as_deref() {
                None => None,
                Some(id) => Some(OrgId::parse(id).ok_or_else(|| {
                    internal(
                        "reading the grant",
                        Error::Internal(anyhow::anyhow!("org_id {id}")),
                    )
                })?),
            };
            permissions::for_token(&*state.tenant.store, &user.id, org.as_ref(), &rs.identifier)
                .await
                .map_err(|e| internal("reading permissions", e))?
        }
        _ => Vec::new(),
    };
    let (scopes, claim) = granted(&grant.scope, api.as_ref(), &permissions);
    let issued = state
        .tokens
        .mint_person(&PersonTokens {
            user: &user,
            grant,
            api: api
                .as_ref()
                .map(|rs| (rs.identifier.as_str(), rs.settings.token_lifetime)),
            scopes: &scopes,
            permissions: claim.as_deref(),
        })
        .map_err(|e| {
            tracing::error!(error = ?e, "token endpoint: signing failed");
            oauth(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Internal error",
            )
        })?;
    let refresh_token = match family {
        Some(family) if wants_refresh(client, &scopes, api.as_ref()) => {
            Some(new_refresh(state, client, grant, family).await?)
        }
        _ => None,
    };
    Ok(to_json(&PersonTokenResponse {
        access_token: issued.access_token,
        refresh_token,
        id_token: issued.id_token,
        scope: scopes.join(" "),
        expires_in: issued.expires_in,
        token_type: "Bearer".into(),
    }))
}

/// Stores a new refresh token in `family`; returns its secret.
pub(super) async fn new_refresh(
    state: &Endpoint,
    client: &Client,
    grant: &PersonGrant,
    family: &str,
) -> Result<String, OAuthError> {
    let now = state.tenant.clock.now();
    let (secret, key) = new_secret();
    let payload = RefreshGrant {
        grant: grant.clone(),
        family: family.to_owned(),
        rotating: client.rotates_refresh_tokens(),
    };
    let expires = now + Duration::seconds(client.refresh_token_lifetime());
    let artifact = Artifact::new(ArtifactKind::RefreshToken, key, &payload, expires)
        .map_err(|e| internal("making a refresh token", e))?;
    state
        .tenant
        .store
        .put_artifact(artifact, now)
        .await
        .map_err(|e| internal("storing a refresh token", e))?;
    Ok(secret)
}

/// Revokes every refresh token of `family`.
pub(super) async fn revoke_family(state: &Endpoint, family: &str) -> Result<(), OAuthError> {
    let now = state.tenant.clock.now();
    let marker = Artifact::new(
        ArtifactKind::RevokedFamily,
        family.to_owned(),
        &serde_json::json!({}),
        now + Duration::seconds(orgwarden_domain::client::NON_EXPIRING_REFRESH_SECS),
    )
    .map_err(|e| internal("revoking", e))?;
    match state.tenant.store.put_artifact(marker, now).await {
        // Revoked already (by another use or instance): the same outcome.
        Ok(()) => Ok(()),
        Err(_) if family_revoked(state, family).await? => Ok(()),
        Err(e) => Err(internal("revoking a refresh token family", e)),
    }
}

pub(super) async fn family_revoked(state: &Endpoint, family: &str) -> Result<bool, OAuthError> {
    let now = state.tenant.clock.now();
    Ok(state
        .tenant
        .store
        .get_artifact(ArtifactKind::RevokedFamily, family, now)
        .await
        .map_err(|e| internal("reading a refresh token family", e))?
        .is_some())
}
