//! One handle per resource of the Management API, borrowed from the [`Client`](crate::Client):
//! `client.organizations().get(id)`.

mod client_grants;
mod clients;
mod connections;
mod enabled_connections;
mod organizations;
mod people;
mod resource_servers;
mod signing_keys;

pub use client_grants::ClientGrants;
pub use clients::Clients;
pub use connections::{ConnectionFilter, Connections};
pub use enabled_connections::EnabledConnections;
pub use organizations::Organizations;
pub use people::{OrganizationPeople, Roles, Users};
pub use resource_servers::ResourceServers;
pub use signing_keys::SigningKeys;

use crate::Client;

impl Client {
    pub fn organizations(&self) -> Organizations<'_> {
        Organizations { client: self }
    }

    /// The connections enabled for organization `org_id`.
    pub fn enabled_connections<'a>(&'a self, org_id: &'a str) -> EnabledConnections<'a> {
        EnabledConnections {
            client: self,
            org_id,
        }
    }

    pub fn users(&self) -> Users<'_> {
        Users { client: self }
    }

    pub fn roles(&self) -> Roles<'_> {
        Roles { client: self }
    }

    /// The members, member roles, invitations, client grants and discovery domains of
    /// organization `org_id`.
    pub fn organization<'a>(&'a self, org_id: &'a str) -> OrganizationPeople<'a> {
        OrganizationPeople {
            client: self,
            org_id,
        }
    }

    pub fn connections(&self) -> Connections<'_> {
        Connections { client: self }
    }

    pub fn clients(&self) -> Clients<'_> {
        Clients { client: self }
    }

    pub fn client_grants(&self) -> ClientGrants<'_> {
        ClientGrants { client: self }
    }

    pub fn resource_servers(&self) -> ResourceServers<'_> {
        ResourceServers { client: self }
    }

    pub fn signing_keys(&self) -> SigningKeys<'_> {
        SigningKeys { client: self }
    }
}

/// `page`/`per_page`/`include_totals=true`: one page of an offset list, with its total.
fn totals_query(page: u32, per_page: u32) -> crate::Query {
    vec![
        ("page".into(), page.to_string()),
        ("per_page".into(), per_page.to_string()),
        ("include_totals".into(), "true".into()),
    ]
}
