//! Path parameters, checked before anything else: a malformed id, or a segment that is not
//! UTF-8, is a 400 `invalid_uri` in Auth0's error body.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use orgwarden_domain::ids::{ClientId, ConnectionId, GrantId, OrgId};
use orgwarden_domain::validate::{message, Origin};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

/// axum's `Path`, refusing in Auth0's shape (axum's own refusal is plain text): every handler
/// takes its path parameters with this one.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                match e.into_kind() {
                    ErrorKind::InvalidUtf8InPathParam { key } => Err(ApiError::InvalidUri(
                        message(Origin::Path, "String is not valid UTF-8", &key, ""),
                    )),
                    // The route and the handler's parameters disagree: a programming error.
                    other => Err(anyhow::anyhow!("path parameters: {other}").into()),
                }
            }
            Err(other) => Err(anyhow::anyhow!("path parameters: {other}").into()),
        }
    }
}

fn invalid(value: &str, property: &str, format: &str, description: &str) -> ApiError {
    let len = value.chars().count();
    let template = if len > 50 {
        format!("String is too long ({len} chars), maximum 50")
    } else {
        format!("Object didn't pass validation for format {format}: {value}")
    };
    ApiError::InvalidUri(message(Origin::Path, &template, property, description))
}

pub fn org_id(s: &str) -> ApiResult<OrgId> {
    OrgId::parse(s).ok_or_else(|| invalid(s, "id", "organization-id", "ID of the organization."))
}

pub fn connection_id(s: &str, property: &str) -> ApiResult<ConnectionId> {
    ConnectionId::parse(s)
        .ok_or_else(|| invalid(s, property, "connection-id", "Connection identifier."))
}

pub fn client_id(s: &str) -> ApiResult<ClientId> {
    ClientId::parse(s).ok_or_else(|| invalid(s, "id", "client-id", "ID of the client."))
}

pub fn grant_id(s: &str) -> ApiResult<GrantId> {
    GrantId::parse(s).ok_or_else(|| invalid(s, "id", "client-grant-id", "ID of the client grant."))
}
