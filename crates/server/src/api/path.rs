//! Ids in paths, checked before anything else: a malformed id is a 400 `invalid_uri`.

use orgwarden_domain::ids::{ClientId, ConnectionId, GrantId, OrgId};
use orgwarden_domain::validate::{message, Origin};

use crate::error::{ApiError, ApiResult};

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
