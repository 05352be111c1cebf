//! A typed async client for Auth0's Management API v2, and so for orgwarden: the bodies are
//! `orgwarden-proto`'s types, tokens come from `/oauth/token` by client credentials and are
//! kept until shortly before they expire, long lists are [`Stream`](futures_core::Stream)s
//! over Auth0's offset or checkpoint paging, and a 429 is waited out as `Retry-After` or
//! `X-RateLimit-Reset` says, within bounds.
//!
//! ```no_run
//! # async fn run() -> Result<(), orgwarden_client::Error> {
//! use futures_util::TryStreamExt;
//! let client = orgwarden_client::Client::builder()
//!     .domain("localhost:8443")
//!     .ca_file("orgwarden-data/tls/ca.pem")
//!     .client_credentials("CLIENT_ID", "CLIENT_SECRET")
//!     .build()?;
//! let orgs: Vec<_> = client.organizations().all(50).try_collect().await?;
//! # Ok(()) }
//! ```

mod api;
mod builder;
mod error;
mod paging;
mod retry;
mod token;
mod transport;

use std::sync::Arc;

pub use api::{
    ClientGrants, Clients, ConnectionFilter, Connections, EnabledConnections, OrganizationPeople,
    Organizations, ResourceServers, Roles, SigningKeys, Users,
};
pub use builder::ClientBuilder;
pub use error::{Error, Result};
pub use orgwarden_proto as proto;
pub use paging::Items;
pub use reqwest::{Method, Response};
pub use retry::{RateLimitWait, RetryPolicy, WaitHook};
pub use transport::Query;

/// A Management API client; cheap to clone (clones share the connection pool and the token).
#[derive(Clone)]
pub struct Client {
    inner: Arc<transport::Inner>,
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}
