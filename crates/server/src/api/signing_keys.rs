//! `/api/v2/keys/signing`: the token signing keys, rotating them, and revoking one (Auth0's
//! paths and scopes).

use axum::extract::State;
use axum::routing::{get, post, put};
use axum::Router;
use orgwarden_domain::clock::iso8601_millis;
use orgwarden_domain::keys::Revocation;
use orgwarden_domain::{Error as DomainError, NotFound};
use orgwarden_proto::signing_keys as wire;

use super::json::Reply;
use super::path::Path;
use crate::auth::keys::KeyInfo;
use crate::auth::principal::Principal;
use crate::auth::rotation;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const READ: &[&str] = &["read:signing_keys"];
const CREATE: &[&str] = &["create:signing_keys"];
const UPDATE: &[&str] = &["update:signing_keys"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/keys/signing", get(list))
        .route("/keys/signing/rotate", post(rotate))
        .route("/keys/signing/{kid}", get(read))
        .route("/keys/signing/{kid}/revoke", put(revoke))
}

/// Auth0's fields: `previous` and `current_until` for a key rotated out, `revoked_at` for a
/// revoked one.
fn key_json(k: &KeyInfo) -> wire::SigningKey {
    wire::SigningKey {
        kid: k.kid.clone(),
        cert: k.cert.clone(),
        fingerprint: k.fingerprint.clone(),
        thumbprint: k.thumbprint.clone(),
        current: k.current,
        next: false,
        previous: k.rotated_at.is_some(),
        current_since: iso8601_millis(k.current_since),
        current_until: k.rotated_at.map(iso8601_millis),
        revoked: k.revoked_at.is_some(),
        revoked_at: k.revoked_at.map(iso8601_millis),
    }
}

/// The answer to a rotation or a revocation: the key's certificate and id.
fn key_ref(state: &AppState, kid: &str) -> wire::KeyRef {
    wire::KeyRef {
        cert: cert_of(state, kid),
        kid: kid.to_owned(),
    }
}

fn not_found() -> ApiError {
    ApiError::Domain(DomainError::NotFound(NotFound::SigningKey))
}

async fn list(State(state): State<AppState>, p: Principal) -> ApiResult<Reply> {
    p.require(READ)?;
    let ring = state.key_ring();
    Ok(Reply::ok(
        ring.key_infos().iter().map(key_json).collect::<Vec<_>>(),
    ))
}

async fn read(
    State(state): State<AppState>,
    p: Principal,
    Path(kid): Path<String>,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let ring = state.key_ring();
    let key = ring
        .key_infos()
        .iter()
        .find(|k| k.kid == kid)
        .ok_or_else(not_found)?;
    Ok(Reply::ok(key_json(key)))
}

/// The certificate of a key, as this instance's ring shows it.
fn cert_of(state: &AppState, kid: &str) -> String {
    state
        .key_ring()
        .key_infos()
        .iter()
        .find(|k| k.kid == kid)
        .map(|k| k.cert.clone())
        .unwrap_or_default()
}

/// Auth0 asks for both scopes.
async fn rotate(State(state): State<AppState>, p: Principal) -> ApiResult<Reply> {
    p.require(CREATE)?;
    p.require(UPDATE)?;
    let key = rotation::rotate(&state).await?;
    tracing::warn!(kid = %key.kid, "signing key rotated");
    Ok(Reply::created(key_ref(&state, &key.kid)))
}

/// Only a key that is no longer current can be revoked (as in Auth0: rotate first). Revoking a
/// revoked key again changes nothing and answers the same.
async fn revoke(
    State(state): State<AppState>,
    p: Principal,
    Path(kid): Path<String>,
) -> ApiResult<Reply> {
    p.require(UPDATE)?;
    let key = match rotation::revoke(&state, &kid).await? {
        Revocation::Current => return Err(ApiError::CurrentKeyRevocation),
        Revocation::Revoked(key) => {
            tracing::warn!(kid = %key.kid, "signing key revoked: its tokens are refused from now on");
            key
        }
        Revocation::AlreadyRevoked(key) => key,
    };
    Ok(Reply::ok(key_ref(&state, &key.kid)))
}
