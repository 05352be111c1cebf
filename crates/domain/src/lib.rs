//! The domain of orgwarden: organizations, connections, the connections enabled for each
//! organization, machine clients and their grants, and signing keys.
//!
//! Nothing here knows about HTTP or SQL. Rules that Auth0 enforces (name formats, limits, the
//! sign-up rule) live here, so every way in (API, dashboard, CLI) and every storage backend
//! applies them the same way. Storage is described by the traits in [`store`].

pub mod client;
pub mod client_credentials;
pub mod clock;
pub mod connection;
pub mod discovery_domain;
pub mod enabled_cache;
pub mod enabled_connection;
pub mod error;
pub mod ids;
pub mod invitation;
pub mod keys;
pub mod login;
pub mod organization;
pub mod paging;
pub mod password;
pub mod resource_server;
pub mod role;
pub mod rules;
pub mod scope;
pub mod store;
pub mod user;
pub mod user_search;

#[cfg(feature = "testing")]
pub mod conformance;

pub use error::{Error, NotFound, Result};
/// The schema checker is part of the wire contract; re-exported for the domain's own checks.
pub use orgwarden_proto::validate;
pub use orgwarden_proto::Invalid;
