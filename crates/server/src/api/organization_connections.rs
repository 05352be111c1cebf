//! The newer `/api/v2/organizations/{id}/connections` API (used by current SDKs and the
//! Terraform provider): the same data as `enabled_connections`, with `is_enabled` and
//! `organization_access_level`, and the envelope key `connections` with `limit = per_page`.
//! The handlers are `enabled_connections`'s, in this API's flavor.
//!
//! orgwarden keeps only enabled connections, at access level `none`: a request for anything
//! else is refused with a clear 400 rather than silently ignored.

use axum::Router;
use orgwarden_domain::enabled_connection::EnabledConnection;
use serde_json::Value;

use super::enabled_connections::{routes, Flavor, Rendered};
use super::list::LimitIs;
use crate::error::ApiResult;
use crate::state::AppState;

const NEWER: Flavor = Flavor {
    collection: "connections",
    envelope: "connections",
    limit_is: LimitIs::PerPage,
    render: newer,
    connection_param: "connection_id",
    prepare: strip_newer_fields,
    is_enabled_filter: true,
};

pub fn router() -> Router<AppState> {
    routes(&NEWER)
}

/// The newer shape, with `is_enabled` and `organization_access_level`.
fn newer(e: &EnabledConnection) -> Rendered {
    Rendered::Newer(e.to_organization_connection())
}

/// Takes out the newer API's own fields, refusing values orgwarden does not model.
fn strip_newer_fields(mut body: Value) -> ApiResult<Value> {
    let Some(map) = body.as_object_mut() else {
        return Ok(body);
    };
    if let Some(v) = map.remove("is_enabled") {
        if v != Value::Bool(true) {
            return Err(orgwarden_domain::Error::invalid(
                "orgwarden supports only enabled organization connections: is_enabled must be true.",
            )
            .into());
        }
    }
    if let Some(v) = map.remove("organization_access_level") {
        if v != Value::String("none".into()) {
            return Err(orgwarden_domain::Error::invalid(
                "orgwarden supports only organization_access_level \"none\".",
            )
            .into());
        }
    }
    if let Some(v) = map.remove("organization_connection_name") {
        if !v.is_null() {
            return Err(orgwarden_domain::Error::invalid(
                "orgwarden does not support organization_connection_name yet.",
            )
            .into());
        }
    }
    Ok(body)
}
