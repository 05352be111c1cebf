//! Names where ids are expected: `acme` for `org_…` (GET /organizations/name/{name}), a
//! connection's name for `con_…` (the connection list filtered by name).

use futures_util::TryStreamExt;
use orgwarden_client::{Client, ConnectionFilter};
use orgwarden_proto::enabled_connections::is_connection_id;
use orgwarden_proto::organizations::Organization;

use crate::Failure;

/// Organization ids start with `org_`, which Auth0 refuses in a name: no ambiguity.
pub fn is_organization_id(s: &str) -> bool {
    s.starts_with("org_")
}

/// The organization `org` names (an id or a name).
pub async fn organization(
    client: &Client,
    org: &str,
) -> Result<Organization, orgwarden_client::Error> {
    if is_organization_id(org) {
        client.organizations().get(org).await
    } else {
        client.organizations().get_by_name(org).await
    }
}

/// The id of organization `org`: itself when it is an id, else looked up by name.
pub async fn organization_id(client: &Client, org: &str) -> Result<String, Failure> {
    if is_organization_id(org) {
        return Ok(org.to_owned());
    }
    Ok(organization(client, org).await?.id)
}

/// The id of connection `connection` (an id or a name).
pub async fn connection_id(client: &Client, connection: &str) -> Result<String, Failure> {
    if is_connection_id(connection) {
        return Ok(connection.to_owned());
    }
    let filter = ConnectionFilter {
        name: Some(connection.to_owned()),
        ..ConnectionFilter::default()
    };
    let found: Vec<_> = client.connections().all(&filter, 50).try_collect().await?;
    found
        .into_iter()
        .find(|c| c.name == connection)
        .map(|c| c.id)
        .ok_or_else(|| Failure::NotFound(format!("no connection named {connection:?}")))
}
