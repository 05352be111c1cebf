//! APIs (resource servers, by identifier; the system one left alone), applications (clients, by
//! name; global clients and the ones the command signs in as left alone) and their client
//! grants (by application name and API; the source's Management API stands for the target's).

use std::io::Write;

use orgwarden_proto::clients::{Client as Application, CreateClient, UpdateClient};
use orgwarden_proto::grants::{ClientGrant, CreateClientGrant, UpdateClientGrant};
use orgwarden_proto::resource_servers::{
    CreateResourceServer, ResourceServer, ResourceServerFields, UpdateResourceServer,
};
use serde_json::{Map, Value};

use super::{Copy, PAGE};
use crate::Failure;

/// The settings of an application that are copied (its id and secret are the target's own;
/// its registered keys need `create:client_credentials` and are left for the user).
const APPLICATION_FIELDS: &[&str] = &[
    "description",
    "logo_uri",
    "app_type",
    "callbacks",
    "allowed_origins",
    "web_origins",
    "allowed_logout_urls",
    "initiate_login_uri",
    "grant_types",
    "token_endpoint_auth_method",
    "organization_usage",
    "organization_require_behavior",
    "refresh_token",
    "is_first_party",
    "oidc_conformant",
    "jwt_configuration",
    "client_metadata",
    "cross_origin_authentication",
    "sso_disabled",
];

/// A grant's settings that are copied besides its scope.
const GRANT_FIELDS: &[&str] = &["organization_usage", "allow_any_organization"];

fn picked(from: &Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    keys.iter()
        .filter_map(|k| from.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .collect()
}

fn api_fields(rs: &ResourceServer) -> ResourceServerFields {
    ResourceServerFields {
        scopes: Some(rs.scopes.clone()),
        signing_alg: Some(rs.signing_alg.clone()),
        allow_offline_access: Some(rs.allow_offline_access),
        token_lifetime: Some(rs.token_lifetime),
        token_lifetime_for_web: rs.token_lifetime_for_web,
        token_dialect: rs.token_dialect.clone(),
        skip_consent_for_verifiable_first_party_clients: Some(
            rs.skip_consent_for_verifiable_first_party_clients,
        ),
        enforce_policies: rs.enforce_policies,
        ..ResourceServerFields::default()
    }
}

fn same_api(a: &ResourceServer, b: &ResourceServer) -> bool {
    a.name == b.name
        && a.scopes == b.scopes
        && a.signing_alg == b.signing_alg
        && a.allow_offline_access == b.allow_offline_access
        && a.token_lifetime == b.token_lifetime
        && a.token_dialect == b.token_dialect
        && a.enforce_policies == b.enforce_policies
}

impl<W: Write> Copy<'_, W> {
    pub(super) fn is_own(&self, side: usize, client_id: &str) -> bool {
        self.own[side].as_deref() == Some(client_id)
    }

    pub(super) async fn resource_servers(&mut self) -> Result<(), Failure> {
        let theirs: Vec<ResourceServer> = self
            .theirs(self.source.resource_servers().all(PAGE))
            .await?;
        let ours: Vec<ResourceServer> = self.ours(self.target.resource_servers().all(PAGE)).await?;
        for rs in theirs.into_iter().filter(|r| r.is_system != Some(true)) {
            match ours.iter().find(|o| o.identifier == rs.identifier) {
                None => {
                    self.say(format!("create API {}", rs.identifier))?;
                    if !self.dry_run {
                        let body = CreateResourceServer {
                            name: Some(rs.name.clone()),
                            identifier: rs.identifier.clone(),
                            fields: api_fields(&rs),
                        };
                        self.target
                            .resource_servers()
                            .create(&body)
                            .await
                            .map_err(self.at_target())?;
                    }
                    self.tally.created += 1;
                    if rs.signing_alg == "HS256" {
                        let line = format!("API {}: its signing_secret", rs.identifier);
                        self.tally.secrets.push(line);
                    }
                }
                Some(o) if same_api(o, &rs) => self.tally.unchanged += 1,
                Some(o) => {
                    self.say(format!("update API {}", rs.identifier))?;
                    if !self.dry_run {
                        let body = UpdateResourceServer {
                            name: Some(rs.name.clone()),
                            fields: api_fields(&rs),
                        };
                        self.target
                            .resource_servers()
                            .update(&o.id, &body)
                            .await
                            .map_err(self.at_target())?;
                    }
                    self.tally.updated += 1;
                }
            }
        }
        Ok(())
    }

    pub(super) async fn applications(&mut self) -> Result<(), Failure> {
        let theirs: Vec<Application> = self.theirs(self.source.clients().all(PAGE)).await?;
        let ours: Vec<Application> = self.ours(self.target.clients().all(PAGE)).await?;
        let global = |c: &Application| c.attributes.get("global") == Some(&Value::Bool(true));
        for c in theirs {
            if global(&c) || self.is_own(0, &c.client_id) {
                continue;
            }
            let fields = picked(&c.attributes, APPLICATION_FIELDS);
            match ours.iter().find(|o| o.name == c.name && !global(o)) {
                Some(o) if self.is_own(1, &o.client_id) => {
                    self.say(format!(
                        "leave application {} alone: it is the one this command signs in to the target as",
                        c.name
                    ))?;
                }
                None => {
                    self.say(format!("create application {}", c.name))?;
                    if !self.dry_run {
                        let body = CreateClient {
                            name: c.name.clone(),
                            attributes: fields,
                        };
                        let made = self
                            .target
                            .clients()
                            .create(&body)
                            .await
                            .map_err(self.at_target())?;
                        self.clients.insert(c.client_id.clone(), made.client_id);
                    }
                    self.tally.created += 1;
                    self.tally.secrets.push(format!(
                        "application {}: a new client_id and client_secret (see the target)",
                        c.name
                    ));
                }
                Some(o) => {
                    self.clients
                        .insert(c.client_id.clone(), o.client_id.clone());
                    if picked(&o.attributes, APPLICATION_FIELDS) == fields {
                        self.tally.unchanged += 1;
                        continue;
                    }
                    self.say(format!("update application {}", c.name))?;
                    if !self.dry_run {
                        let body = UpdateClient {
                            attributes: fields,
                            ..UpdateClient::default()
                        };
                        self.target
                            .clients()
                            .update(&o.client_id, &body)
                            .await
                            .map_err(self.at_target())?;
                    }
                    self.tally.updated += 1;
                }
            }
        }
        Ok(())
    }

    /// After applications and APIs: each grant of a copied application, by API.
    pub(super) async fn grants(&mut self) -> Result<(), Failure> {
        let theirs: Vec<ClientGrant> = self
            .theirs(self.source.client_grants().all(None, None, PAGE))
            .await?;
        let ours: Vec<ClientGrant> = self
            .ours(self.target.client_grants().all(None, None, PAGE))
            .await?;
        let management = |domain: &str| format!("https://{domain}/api/v2/");
        for g in theirs {
            let Some(client) = self.clients.get(&g.client_id).cloned() else {
                continue; // not copied (global, our own, or only planned in a dry run)
            };
            let audience = if g.audience == management(&self.from) {
                management(&self.to)
            } else {
                g.audience.clone()
            };
            let mut scope = g.scope.clone();
            scope.sort();
            let fields = picked(&g.attributes, GRANT_FIELDS);
            match ours
                .iter()
                .find(|o| o.client_id == client && o.audience == audience)
            {
                None => {
                    self.say(format!("create grant {audience} for {client}"))?;
                    if !self.dry_run {
                        let body = CreateClientGrant {
                            client_id: client.clone(),
                            audience: audience.clone(),
                            scope: Some(scope),
                            attributes: fields,
                        };
                        self.target
                            .client_grants()
                            .create(&body)
                            .await
                            .map_err(self.at_target())?;
                    }
                    self.tally.created += 1;
                }
                Some(o) => {
                    let mut theirs_now = o.scope.clone();
                    theirs_now.sort();
                    if theirs_now == scope && picked(&o.attributes, GRANT_FIELDS) == fields {
                        self.tally.unchanged += 1;
                        continue;
                    }
                    self.say(format!("update grant {audience} for {client}"))?;
                    if !self.dry_run {
                        let body = UpdateClientGrant {
                            scope: Some(scope),
                            attributes: fields,
                        };
                        self.target
                            .client_grants()
                            .update(&o.id, &body)
                            .await
                            .map_err(self.at_target())?;
                    }
                    self.tally.updated += 1;
                }
            }
        }
        Ok(())
    }
}
