//! `grant_type=authorization_code`: a login's code redeemed for the person's tokens. The code
//! is used once, by the client it was issued to, with the same redirect URI, and with the PKCE
//! verifier when the login had a challenge. A second use is refused and revokes the refresh
//! tokens the first one gave (the code's key names their family).

use axum::http::StatusCode;
use orgwarden_domain::client::Client;
use orgwarden_domain::login::artifact::key_of;
use orgwarden_domain::login::{pkce, ArtifactKind, CodeGrant};
use orgwarden_proto::tokens;
use serde_json::{Map, Value};

use super::person::{internal, invalid_grant, respond, revoke_family};
use super::token_endpoint::{oauth, param, Endpoint, OAuthError};

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
    let family = key_of(code);
    let found = tenant
        .store
        .consume_artifact(ArtifactKind::Code, &family, now)
        .await
        .map_err(|e| internal("reading the code", e))?;
    let Some(artifact) = found else {
        return Err(invalid_grant("Invalid authorization code"));
    };
    if artifact.consumed_at.is_some() {
        tracing::warn!(
            client = client.client_id.as_str(),
            "an authorization code was used twice: refused, and its refresh tokens revoked"
        );
        revoke_family(state, &family).await?;
        return Err(invalid_grant("Invalid authorization code"));
    }
    let code: CodeGrant = artifact
        .payload()
        .map_err(|e| internal("reading the code", e))?;
    if code.grant.client_id != client.client_id.as_str() {
        return Err(invalid_grant("Invalid authorization code"));
    }
    if param(params, "redirect_uri") != Some(code.redirect_uri.as_str()) {
        return Err(invalid_grant(
            "redirect_uri must be given and equal the one of the authorization request",
        ));
    }
    let verified = match (&code.code_challenge, param(params, "code_verifier")) {
        (Some(challenge), Some(verifier)) => pkce::verifies(challenge, verifier),
        (Some(_), None) | (None, Some(_)) => false,
        (None, None) => !client.is_public(),
    };
    if !verified {
        return Err(invalid_grant("Failed to verify code verifier"));
    }
    respond(state, client, &code.grant, Some(&family)).await
}
