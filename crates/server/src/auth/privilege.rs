//! Authorization beyond "the token holds the operation's scope": body properties that Auth0
//! guards with a scope of their own, and the rule that no caller can give a client (itself
//! included) a Management API power it does not hold — neither by granting scopes nor by setting
//! or reading the credentials of a client that holds more.

use orgwarden_domain::client::Client;
use orgwarden_domain::scope::GUARDED_CLIENT_FIELDS;
use serde_json::Value;

use super::principal::Principal;
use crate::error::{ApiError, ApiResult};
use crate::tenant::Tenant;

/// What a client request body asks for, and which operation it is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientWrite {
    Create,
    Update,
}

/// Checks the scopes a client create or update body needs: each guarded property its own
/// scope; anything else (or an empty body) the operation's scope (`operation`).
pub fn require_client_fields(
    p: &Principal,
    body: &Value,
    write: ClientWrite,
    operation: &'static [&'static str],
) -> ApiResult<()> {
    let props = body.as_object();
    let mut others = props.is_none_or(|m| m.is_empty());
    for (name, _) in props.into_iter().flatten() {
        match GUARDED_CLIENT_FIELDS.iter().find(|g| g.property == name) {
            Some(g) => p.require(match write {
                ClientWrite::Create => g.on_create,
                ClientWrite::Update => g.on_update,
            })?,
            None => others = true,
        }
    }
    if others || write == ClientWrite::Create {
        p.require(operation)?;
    }
    Ok(())
}

/// The scopes of `scopes` that the caller does not hold.
fn not_held<'a>(p: &Principal, scopes: &'a [String]) -> Vec<&'a str> {
    scopes
        .iter()
        .filter(|s| !p.holds(s))
        .map(String::as_str)
        .collect()
}

/// A grant on the Management API may carry only scopes the caller holds itself.
pub fn require_may_grant(
    state: &Tenant,
    p: &Principal,
    audience: &str,
    scopes: &[String],
) -> ApiResult<()> {
    if !state.identity.is_management_audience(audience) {
        return Ok(());
    }
    let missing = not_held(p, scopes);
    if missing.is_empty() {
        return Ok(());
    }
    Err(ApiError::Escalation(format!(
        "Insufficient scope: a grant cannot carry scopes the caller does not hold: {}",
        missing.join(", ")
    )))
}

/// Whoever sets or receives a client's secret acts as that client: the caller must hold every
/// Management API scope the client has been granted.
pub async fn require_may_take_over(
    state: &Tenant,
    p: &Principal,
    client: &Client,
) -> ApiResult<()> {
    let Some(grant) = state
        .store
        .find_grant(&client.client_id, &state.identity.audience)
        .await?
    else {
        return Ok(());
    };
    let missing = not_held(p, &grant.scope);
    if missing.is_empty() {
        return Ok(());
    }
    Err(ApiError::Escalation(format!(
        "Insufficient scope: the client holds scopes the caller does not, so the caller cannot set its credentials: {}",
        missing.join(", ")
    )))
}
