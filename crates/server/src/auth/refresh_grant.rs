//! `grant_type=refresh_token` and `POST /oauth/revoke`. A rotating refresh token is used up by
//! its use and replaced; using it again is taken as theft and revokes its whole family, as
//! Auth0's reuse detection does. A non-rotating one may be used until it expires or is revoked.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use orgwarden_domain::client::Client;
use orgwarden_domain::login::artifact::key_of;
use orgwarden_domain::login::{ArtifactKind, RefreshGrant};
use orgwarden_proto::tokens;
use serde_json::{Map, Value};

use super::person::{family_revoked, internal, invalid_grant, new_refresh, respond, revoke_family};
use super::token_endpoint::{oauth, param, Endpoint, OAuthError};

const INVALID: &str = "Unknown or invalid refresh token.";

pub(super) async fn refresh(
    state: &Endpoint,
    client: &Client,
    params: &Map<String, Value>,
) -> Result<Value, OAuthError> {
    if !client.allows_grant(tokens::REFRESH_TOKEN) {
        return Err(oauth(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            "Grant type 'refresh_token' not allowed for the client.",
        ));
    }
    let secret = param(params, "refresh_token").ok_or_else(|| {
        oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: refresh_token",
        )
    })?;
    let store = &state.tenant.store;
    let now = state.tenant.clock.now();
    let key = key_of(secret);
    let found = store
        .get_artifact(ArtifactKind::RefreshToken, &key, now)
        .await
        .map_err(|e| internal("reading the refresh token", e))?;
    let Some(artifact) = found else {
        return Err(invalid_grant(INVALID));
    };
    let mut rt: RefreshGrant = artifact
        .payload()
        .map_err(|e| internal("reading the refresh token", e))?;
    if rt.grant.client_id != client.client_id.as_str() || family_revoked(state, &rt.family).await? {
        return Err(invalid_grant(INVALID));
    }
    if rt.rotating {
        let used = store
            .consume_artifact(ArtifactKind::RefreshToken, &key, now)
            .await
            .map_err(|e| internal("using the refresh token", e))?;
        if used.is_none_or(|a| a.consumed_at.is_some()) {
            tracing::warn!(
                client = client.client_id.as_str(),
                "a rotated refresh token was used again: its family is revoked"
            );
            revoke_family(state, &rt.family).await?;
            return Err(invalid_grant(INVALID));
        }
    }
    // `scope` may narrow what the login was given, never widen it.
    if let Some(asked) = param(params, "scope") {
        let had: Vec<&str> = rt.grant.scope.split_whitespace().collect();
        if let Some(extra) = asked.split_whitespace().find(|s| !had.contains(s)) {
            return Err(oauth(
                StatusCode::FORBIDDEN,
                "access_denied",
                format!("The refresh token was not granted the scope {extra}"),
            ));
        }
        rt.grant.scope = asked.to_owned();
    }
    // No new nonce: it belonged to the login.
    rt.grant.nonce = None;
    let mut body = respond(state, client, &rt.grant, None).await?;
    if rt.rotating {
        let next = new_refresh(state, client, &rt.grant, &rt.family).await?;
        if let Value::Object(m) = &mut body {
            let mut ordered = Map::new();
            for (k, v) in std::mem::take(m) {
                ordered.insert(k.clone(), v);
                if k == "access_token" {
                    ordered.insert("refresh_token".into(), Value::String(next.clone()));
                }
            }
            *m = ordered;
        }
    }
    Ok(body)
}

/// `POST /oauth/revoke`: `{client_id, client_secret?, token}`. Revokes the refresh token's
/// whole family; an unknown token is answered the same (RFC 7009), another client's is refused.
pub async fn revoke(State(state): State<Endpoint>, req: Request) -> Response {
    let origin = crate::login::cors::origin(req.headers());
    let (client, token) = match super::token_endpoint::revoke_request(&state, req).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let mut resp = match revoke_token(&state, &client, &token).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => e.into_response(),
    };
    if let Some(o) = origin.filter(|o| o.to_str().is_ok_and(|o| client.allows_origin(o))) {
        crate::login::cors::allow(&mut resp, o);
    }
    resp
}

async fn revoke_token(state: &Endpoint, client: &Client, token: &str) -> Result<(), OAuthError> {
    let now = state.tenant.clock.now();
    let found = state
        .tenant
        .store
        .get_artifact(ArtifactKind::RefreshToken, &key_of(token), now)
        .await
        .map_err(|e| internal("reading the refresh token", e))?;
    let Some(artifact) = found else {
        return Ok(());
    };
    let rt: RefreshGrant = artifact
        .payload()
        .map_err(|e| internal("reading the refresh token", e))?;
    if rt.grant.client_id != client.client_id.as_str() {
        return Err(oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The refresh token was issued to another client.",
        ));
    }
    revoke_family(state, &rt.family).await
}
