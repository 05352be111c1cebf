//! Names where ids are expected: `acme` for `org_…` (GET /organizations/name/{name}), a
//! connection's name for `con_…` (the connection list filtered by name), a role's name for
//! `rol_…` (`name_filter`, then an exact match), a client's name for its id, an email for a
//! user id (`/users-by-email`).

use futures_util::TryStreamExt;
use orgwarden_client::{Client, ConnectionFilter};
use orgwarden_proto::clients::Client as Application;
use orgwarden_proto::connections::Connection;
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
    Ok(connection_named(client, connection).await?.id)
}

/// Connection `connection` (an id or a name).
pub async fn connection(client: &Client, connection: &str) -> Result<Connection, Failure> {
    if is_connection_id(connection) {
        return Ok(client.connections().get(connection).await?);
    }
    connection_named(client, connection).await
}

async fn connection_named(client: &Client, name: &str) -> Result<Connection, Failure> {
    let filter = ConnectionFilter {
        name: Some(name.to_owned()),
        ..ConnectionFilter::default()
    };
    let found: Vec<_> = client.connections().all(&filter, 50).try_collect().await?;
    found
        .into_iter()
        .find(|c| c.name == name)
        .ok_or_else(|| not_found("connection", name))
}

fn not_found(kind: &str, name: &str) -> Failure {
    Failure::NotFound(format!("no {kind} named {name:?}"))
}

/// Role ids start with `rol_`.
pub fn is_role_id(s: &str) -> bool {
    s.starts_with("rol_")
}

/// The id of role `role` (an id or a name: `name_filter` narrows, the exact name decides).
pub async fn role_id(client: &Client, role: &str) -> Result<String, Failure> {
    if is_role_id(role) {
        return Ok(role.to_owned());
    }
    let found: Vec<_> = client
        .roles()
        .named(role, crate::PAGE)
        .try_collect()
        .await?;
    found
        .into_iter()
        .find(|r| r.name == role)
        .map(|r| r.id)
        .ok_or_else(|| not_found("role", role))
}

/// The ids of `roles` (ids or names), in order.
pub async fn role_ids(client: &Client, roles: &[String]) -> Result<Vec<String>, Failure> {
    let mut ids = Vec::with_capacity(roles.len());
    for role in roles {
        ids.push(role_id(client, role).await?);
    }
    Ok(ids)
}

/// Application `app`, by client id or by name (client ids carry no prefix, so either may
/// match: the id wins).
pub async fn application(client: &Client, app: &str) -> Result<Application, Failure> {
    let all: Vec<Application> = client
        .clients()
        .checkpoints(crate::PAGE)
        .try_collect()
        .await?;
    let by_name = all.iter().position(|c| c.name == app);
    let at = all.iter().position(|c| c.client_id == app).or(by_name);
    at.map(|i| all.into_iter().nth(i).expect("an index found in the list"))
        .ok_or_else(|| not_found("client", app))
}

/// The id of user `user`: itself, or the one user with that email (an `@` and no `|`: user
/// ids are `provider|…`).
pub async fn user_id(client: &Client, user: &str) -> Result<String, Failure> {
    if user.contains('|') || !user.contains('@') {
        return Ok(user.to_owned());
    }
    let mut found = client.users().by_email(user).await?;
    match found.len() {
        0 => Err(Failure::NotFound(format!("no user with email {user:?}"))),
        1 => Ok(found.remove(0).user_id),
        n => Err(Failure::Usage(format!(
            "{n} users have email {user:?} (one a connection) — give a user id"
        ))),
    }
}

/// The ids of `users` (ids or emails), in order.
pub async fn user_ids(client: &Client, users: &[String]) -> Result<Vec<String>, Failure> {
    let mut ids = Vec::with_capacity(users.len());
    for user in users {
        ids.push(user_id(client, user).await?);
    }
    Ok(ids)
}
