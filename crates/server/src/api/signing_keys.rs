//! `/api/v2/keys/signing`: the token signing keys, and rotating them (Auth0's paths and scopes).

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use orgwarden_domain::clock::iso8601_millis;
use serde_json::{json, Map, Value};

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
}

fn key_json(k: &KeyInfo) -> Value {
    let mut v = Map::new();
    v.insert("kid".into(), json!(k.kid));
    v.insert("cert".into(), json!(k.cert));
    v.insert("current".into(), json!(k.current));
    v.insert(
        "current_since".into(),
        json!(iso8601_millis(k.current_since)),
    );
    v.insert("revoked".into(), json!(k.revoked_at.is_some()));
    if let Some(at) = k.revoked_at {
        v.insert("previous".into(), json!(true));
        v.insert("revoked_at".into(), json!(iso8601_millis(at)));
    }
    Value::Object(v)
}

async fn list(State(state): State<AppState>, p: Principal) -> ApiResult<Reply> {
    p.require(READ)?;
    let ring = state.key_ring();
    Ok(Reply::ok(Value::Array(
        ring.key_infos().iter().map(key_json).collect(),
    )))
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
        .ok_or(ApiError::RouteNotFound)?;
    Ok(Reply::ok(key_json(key)))
}

/// Auth0 asks for both scopes.
async fn rotate(State(state): State<AppState>, p: Principal) -> ApiResult<Reply> {
    p.require(CREATE)?;
    p.require(UPDATE)?;
    let key = rotation::rotate(&state).await?;
    let ring = state.key_ring();
    let cert = ring
        .key_infos()
        .iter()
        .find(|k| k.kid == key.kid)
        .map(|k| k.cert.clone())
        .unwrap_or_default();
    tracing::warn!(kid = %key.kid, "signing key rotated");
    Ok(Reply::created(json!({ "cert": cert, "kid": key.kid })))
}
