//! `grant_type=authorization_code`: a login's code redeemed for the person's tokens. The code
//! is used once (a second use is refused and logged), by the client it was issued to, with the
//! same redirect URI, and with the PKCE verifier when the login had a challenge.

use axum::http::StatusCode;
use orgwarden_domain::client::Client;
use orgwarden_domain::login::artifact::key_of;
use orgwarden_domain::login::claims::granted;
use orgwarden_domain::login::{pkce, ArtifactKind, CodeGrant};
use orgwarden_domain::resource_server::ResourceServer;
use orgwarden_domain::user::UserId;
use orgwarden_domain::{Error, NotFound};
use orgwarden_proto::tokens::{self, PersonTokenResponse};
use serde_json::{Map, Value};

use super::token_endpoint::{oauth, param, Endpoint, OAuthError};
use super::tokens::PersonTokens;
use crate::api::json::to_json;

/// How many of a person's permissions are read for one token.
const MAX_PERMISSIONS: u32 = 1000;

fn invalid_grant(description: &str) -> OAuthError {
    oauth(StatusCode::FORBIDDEN, "invalid_grant", description)
}

fn internal(what: &str, e: Error) -> OAuthError {
    tracing::error!(error = ?e, "token endpoint: {what} failed");
    oauth(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "Internal error",
    )
}

pub(super) async fn redeem(
    state: &Endpoint,
    client: &Client,
    params: &Map<String, Value>,
) -> Result<Value, OAuthError> {
    if !client.allows_grant(tokens::AUTHORIZATION_CODE) {
        return Err(oauth(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            "Grant type 'authorization_code' not allowed for the client.",
        ));
    }
    let code = param(params, "code").ok_or_else(|| {
        oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: code",
        )
    })?;
    let tenant = &state.tenant;
    let now = tenant.clock.now();
    let found = tenant
        .store
        .consume_artifact(ArtifactKind::Code, &key_of(code), now)
        .await
        .map_err(|e| internal("reading the code", e))?;
    let Some(artifact) = found else {
        return Err(invalid_grant("Invalid authorization code"));
    };
    if artifact.consumed_at.is_some() {
        tracing::warn!(
            client = client.client_id.as_str(),
            "an authorization code was used twice: refused"
        );
        return Err(invalid_grant("Invalid authorization code"));
    }
    let grant: CodeGrant = artifact
        .payload()
        .map_err(|e| internal("reading the code", e))?;
    if grant.client_id != client.client_id.as_str() {
        return Err(invalid_grant("Invalid authorization code"));
    }
    if param(params, "redirect_uri") != Some(grant.redirect_uri.as_str()) {
        return Err(invalid_grant(
            "redirect_uri must be given and equal the one of the authorization request",
        ));
    }
    match (&grant.code_challenge, param(params, "code_verifier")) {
        (Some(challenge), Some(verifier)) if pkce::verifies(challenge, verifier) => {}
        (Some(_), _) => return Err(invalid_grant("Failed to verify code verifier")),
        (None, Some(_)) => return Err(invalid_grant("Failed to verify code verifier")),
        (None, None) if client.is_public() => {
            return Err(invalid_grant("Failed to verify code verifier"))
        }
        (None, None) => {}
    }
    let user = match UserId::parse(&grant.user_id) {
        Some(id) => match tenant.store.get_user(&id).await {
            Ok(u) => u,
            Err(Error::NotFound(NotFound::User)) => {
                return Err(invalid_grant("Invalid authorization code"))
            }
            Err(e) => return Err(internal("reading the user", e)),
        },
        None => return Err(invalid_grant("Invalid authorization code")),
    };
    if user.profile.blocked == Some(true) {
        return Err(invalid_grant("user is blocked"));
    }
    let api = match &grant.audience {
        None => None,
        Some(a) => match tenant.store.get_resource_server(a).await {
            Ok(rs) if &rs.identifier == a => Some(rs),
            Ok(_) | Err(Error::NotFound(_)) => {
                return Err(oauth(
                    StatusCode::FORBIDDEN,
                    "access_denied",
                    format!("Service not found: {a}"),
                ))
            }
            Err(e) => return Err(internal("reading the resource server", e)),
        },
    };
    let permissions = match &api {
        Some(rs) if rs.settings.enforce_policies == Some(true) => permissions(state, &user.id, rs)
            .await
            .map_err(|e| internal("reading permissions", e))?,
        _ => Vec::new(),
    };
    let (scopes, claim) = granted(&grant.scope, api.as_ref(), &permissions);
    let issued = state
        .tokens
        .mint_person(&PersonTokens {
            user: &user,
            grant: &grant,
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
    Ok(to_json(&PersonTokenResponse {
        access_token: issued.access_token,
        id_token: issued.id_token,
        scope: scopes.join(" "),
        expires_in: issued.expires_in,
        token_type: "Bearer".into(),
    }))
}

/// The person's permissions on `api` (given directly or through their roles).
async fn permissions(
    state: &Endpoint,
    user: &UserId,
    api: &ResourceServer,
) -> orgwarden_domain::Result<Vec<String>> {
    let per_page = 100;
    let mut out = Vec::new();
    for page in 0..MAX_PERMISSIONS / per_page {
        let listed = state
            .tenant
            .store
            .user_permissions(user, page, per_page)
            .await?;
        let last = listed.items.len() < per_page as usize;
        out.extend(
            listed
                .items
                .into_iter()
                .filter(|p| p.permission.permission.resource_server_identifier == api.identifier)
                .map(|p| p.permission.permission.permission_name),
        );
        if last {
            break;
        }
    }
    Ok(out)
}
