//! The Management API under `/api/v2`, one module per resource.

pub mod client_grants;
pub mod clients;
pub mod connections;
pub mod discovery_domains;
pub mod enabled_connections;
pub mod fields;
pub mod invitations;
pub mod json;
pub mod list;
pub mod members;
pub mod openapi;
pub mod organization_client_grants;
pub mod organization_connections;
pub mod organizations;
pub mod path;
pub mod query;
pub mod resource_servers;
pub mod roles;
pub mod signing_keys;
pub mod tickets;
pub mod unsupported;
pub mod users;

use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

async fn route_not_found() -> ApiError {
    ApiError::RouteNotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(organizations::router())
        .merge(enabled_connections::router())
        .merge(organization_connections::router())
        .merge(organization_client_grants::router())
        .merge(connections::router())
        .merge(clients::router())
        .merge(client_grants::router())
        .merge(resource_servers::router())
        .merge(signing_keys::router())
        .merge(unsupported::router())
        .merge(users::router())
        .merge(members::router())
        .merge(roles::router())
        .merge(invitations::router())
        .merge(discovery_domains::router())
        .merge(tickets::router())
        .merge(openapi::router())
        .route_layer(axum::middleware::from_fn(crate::observability::label_route))
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
}
