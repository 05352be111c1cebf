//! Connections (their secrets left behind) and roles, by name.

use std::io::Write;

use orgwarden_client::ConnectionFilter;
use orgwarden_proto::connections::{Connection, CreateConnection, UpdateConnection};
use orgwarden_proto::roles::{CreateRole, Role, UpdateRole};
use serde_json::{Map, Value};

use super::{Copy, PAGE};
use crate::Failure;

/// An option whose value is a secret: not copied, listed for the user. (`passwordPolicy` and
/// `password_options` are settings, not secrets.)
pub(super) fn is_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("secret")
        || k == "password"
        || k.ends_with("_password")
        || k.contains("private")
        || k.ends_with("key")
}

/// The source's options without secrets, over the target's secrets (kept as they are).
fn options_for_target(
    source: &Map<String, Value>,
    target: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    let mut out: Map<String, Value> = source
        .iter()
        .filter(|(k, _)| !is_secret(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(t) = target {
        for (k, v) in t.iter().filter(|(k, _)| is_secret(k)) {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

fn sorted(ids: &[String]) -> Vec<&String> {
    let mut v: Vec<&String> = ids.iter().collect();
    v.sort();
    v
}

impl<W: Write> Copy<'_, W> {
    /// The applications a connection is enabled for on the target: the source's, as copied
    /// (by name), and whatever the target already had (nothing is taken away).
    fn enabled_clients(&self, c: &Connection, existing: Option<&Connection>) -> Vec<String> {
        let mut ids: Vec<String> = existing
            .map(|e| e.enabled_clients.clone())
            .unwrap_or_default();
        for id in c
            .enabled_clients
            .iter()
            .filter_map(|id| self.clients.get(id))
        {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        ids
    }

    pub(super) async fn connections(&mut self) -> Result<(), Failure> {
        let every = ConnectionFilter::default();
        let theirs: Vec<Connection> = self
            .theirs(self.source.connections().all(&every, PAGE))
            .await?;
        let ours: Vec<Connection> = self
            .ours(self.target.connections().all(&every, PAGE))
            .await?;
        for c in theirs {
            let secrets: Vec<String> = c.options.keys().filter(|k| is_secret(k)).cloned().collect();
            let existing = ours.iter().find(|o| o.name == c.name);
            let options = options_for_target(&c.options, existing.map(|e| &e.options));
            let enabled_clients = self.enabled_clients(&c, existing);
            match existing {
                None => {
                    self.say(format!("create connection {} ({})", c.name, c.strategy))?;
                    if !self.dry_run {
                        let body = CreateConnection {
                            name: c.name.clone(),
                            strategy: c.strategy.clone(),
                            display_name: c.display_name.clone(),
                            options: Some(options),
                            is_domain_connection: Some(c.is_domain_connection),
                            show_as_button: c.show_as_button,
                            metadata: c.metadata.clone(),
                            enabled_clients: Some(enabled_clients),
                            ..CreateConnection::default()
                        };
                        self.target
                            .connections()
                            .create(&body)
                            .await
                            .map_err(self.at_target())?;
                    }
                    self.tally.created += 1;
                    for k in &secrets {
                        self.tally
                            .secrets
                            .push(format!("connection {}: options.{k}", c.name));
                    }
                }
                Some(e) if e.strategy != c.strategy => {
                    return Err(Failure::Usage(format!(
                        "connection {} is {} on the source and {} on the target: rename or delete one",
                        c.name, c.strategy, e.strategy
                    )));
                }
                Some(e)
                    if e.options == options
                        && e.display_name == c.display_name
                        && e.show_as_button == c.show_as_button
                        && e.is_domain_connection == c.is_domain_connection
                        && e.metadata == c.metadata
                        && sorted(&e.enabled_clients) == sorted(&enabled_clients) =>
                {
                    self.tally.unchanged += 1;
                }
                Some(e) => {
                    self.say(format!("update connection {}", c.name))?;
                    if !self.dry_run {
                        let body = UpdateConnection {
                            display_name: c.display_name.clone(),
                            options: Some(Some(options)),
                            is_domain_connection: Some(c.is_domain_connection),
                            show_as_button: c.show_as_button,
                            metadata: Some(c.metadata.clone()),
                            enabled_clients: Some(enabled_clients),
                            ..UpdateConnection::default()
                        };
                        self.target
                            .connections()
                            .update(&e.id, &body)
                            .await
                            .map_err(self.at_target())?;
                    }
                    self.tally.updated += 1;
                    for k in secrets.iter().filter(|k| !e.options.contains_key(*k)) {
                        self.tally
                            .secrets
                            .push(format!("connection {}: options.{k}", c.name));
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) async fn roles(&mut self) -> Result<(), Failure> {
        let theirs: Vec<Role> = self.theirs(self.source.roles().all(PAGE)).await?;
        let ours: Vec<Role> = self.ours(self.target.roles().all(PAGE)).await?;
        for r in theirs {
            match ours.iter().find(|o| o.name == r.name) {
                None => {
                    self.say(format!("create role {}", r.name))?;
                    if !self.dry_run {
                        let body = CreateRole {
                            name: r.name.clone(),
                            description: r.description.clone(),
                        };
                        let made = self
                            .target
                            .roles()
                            .create(&body)
                            .await
                            .map_err(self.at_target())?;
                        self.roles.insert(r.id.clone(), made.id);
                    }
                    self.tally.created += 1;
                }
                Some(o) if o.description == r.description => {
                    self.roles.insert(r.id.clone(), o.id.clone());
                    self.tally.unchanged += 1;
                }
                Some(o) => {
                    self.roles.insert(r.id.clone(), o.id.clone());
                    self.say(format!("update role {}", r.name))?;
                    if !self.dry_run {
                        let body = UpdateRole {
                            description: r.description.clone(),
                            ..UpdateRole::default()
                        };
                        self.target
                            .roles()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_stay_behind_and_the_targets_are_kept() {
        for k in [
            "client_secret",
            "password",
            "signingKey",
            "private_key",
            "app_secret",
            "api_key",
        ] {
            assert!(is_secret(k), "{k}");
        }
        for k in [
            "client_id",
            "signingCert",
            "domain",
            "scope",
            "passwordPolicy",
            "password_options",
        ] {
            assert!(!is_secret(k), "{k}");
        }
        let source = json!({"client_id": "a", "client_secret": "s"});
        let target = json!({"client_id": "old", "client_secret": "mine"});
        let merged = options_for_target(source.as_object().unwrap(), target.as_object());
        assert_eq!(
            Value::Object(merged),
            json!({"client_id": "a", "client_secret": "mine"})
        );
    }
}
