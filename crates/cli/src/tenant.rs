//! `orgwarden tenant copy --from SOURCE --to TARGET`: a tenant's connections, roles and
//! organizations (with their enabled connections and settings) copied into another, keyed by
//! name so it can run again: what matches is left alone, what differs is updated, what is
//! missing is created. The source is only ever read. Connection options that hold secrets are
//! not copied (a target's own values are kept); the command lists them for you to fill in.
//!
//! SOURCE and TARGET are profile names (`orgwarden login`) or `local:DATA_DIR`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use futures_util::TryStreamExt;
use orgwarden_client::{Client, ConnectionFilter};
use orgwarden_proto::connections::{Connection, CreateConnection, UpdateConnection};
use orgwarden_proto::enabled_connections::{
    CreateEnabledConnection, EnabledConnection, SettingsBody,
};
use orgwarden_proto::organizations::{CreateOrganization, Organization, UpdateOrganization};
use orgwarden_proto::roles::{CreateRole, Role, UpdateRole};
use serde_json::{Map, Value};

use crate::target::Target;
use crate::{Failure, Notices};

const PAGE: u32 = 100;

#[derive(Debug, Args)]
pub struct TenantArgs {
    #[command(subcommand)]
    pub command: TenantCommand,
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Copy connections, roles and organizations (with their enabled connections) from one
    /// tenant into another, by name; run it again to bring the target up to date.
    #[command(after_help = "Examples:\n  \
        orgwarden tenant copy --from production --to local:./orgwarden-data --dry-run\n  \
        orgwarden tenant copy --from production --to local:./orgwarden-data")]
    Copy(CopyArgs),
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The tenant read from: a profile name, or local:DATA_DIR. It is never written.
    #[arg(long, value_name = "SOURCE")]
    pub from: String,
    /// The tenant written to: a profile name, or local:DATA_DIR.
    #[arg(long, value_name = "TARGET")]
    pub to: String,
    /// Print what would change, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The file of profiles; default $XDG_CONFIG_HOME/orgwarden/profiles.json.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// A side of the copy as a target: `local:DIR` or a profile name.
fn side(spec: &str, config: &Option<PathBuf>) -> Target {
    match spec.strip_prefix("local:") {
        Some(dir) => Target {
            local: Some(PathBuf::from(dir)),
            ..Target::default()
        },
        None => Target {
            profile: Some(spec.to_owned()),
            config: config.clone(),
            ..Target::default()
        },
    }
}

/// What one run did (or, with `--dry-run`, would do).
#[derive(Default)]
struct Tally {
    created: usize,
    updated: usize,
    unchanged: usize,
    /// `connection NAME: options.KEY` the user must fill in on the target.
    secrets: Vec<String>,
}

pub async fn run(args: TenantArgs, out: &mut impl Write, notices: &Notices) -> Result<(), Failure> {
    let TenantCommand::Copy(args) = args.command;
    let from = side(&args.from, &args.config).resolve()?;
    let to = side(&args.to, &args.config).resolve()?;
    if from.domain == to.domain {
        return Err(Failure::Usage(format!(
            "--from and --to are the same tenant ({})",
            from.domain
        )));
    }
    let source = from.client(notices)?;
    let target = to.client(notices)?;
    let mut copy = Copy {
        from: from.domain.clone(),
        to: to.domain.clone(),
        source: &source,
        target: &target,
        dry_run: args.dry_run,
        out,
        tally: Tally::default(),
    };
    copy.connections().await?;
    copy.roles().await?;
    copy.organizations().await?;
    let t = &copy.tally;
    let verb = if args.dry_run { "would be" } else { "were" };
    let line = format!(
        "{} created, {} updated, {} unchanged ({verb} from {} into {})",
        t.created, t.updated, t.unchanged, from.domain, to.domain
    );
    writeln!(copy.out, "{line}").map_err(Failure::output)?;
    for s in &t.secrets {
        writeln!(copy.out, "fill in on the target: {s}").map_err(Failure::output)?;
    }
    Ok(())
}

struct Copy<'a, W: Write> {
    /// The domains, for what a failure says.
    from: String,
    to: String,
    source: &'a Client,
    target: &'a Client,
    dry_run: bool,
    out: &'a mut W,
    tally: Tally,
}

/// An option whose value is a secret: not copied, listed for the user. (`passwordPolicy` and
/// `password_options` are settings, not secrets.)
fn is_secret(key: &str) -> bool {
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

impl<W: Write> Copy<'_, W> {
    fn say(&mut self, line: String) -> Result<(), Failure> {
        let prefix = if self.dry_run { "would " } else { "" };
        writeln!(self.out, "{prefix}{line}").map_err(Failure::output)
    }

    async fn connections(&mut self) -> Result<(), Failure> {
        let every = ConnectionFilter::default();
        let theirs: Vec<Connection> = self
            .source
            .connections()
            .all(&every, PAGE)
            .try_collect()
            .await
            .map_err(|e| Failure::from(e).at(&self.from))?;
        let ours: Vec<Connection> = self
            .target
            .connections()
            .all(&every, PAGE)
            .try_collect()
            .await
            .map_err(|e| Failure::from(e).at(&self.to))?;
        for c in theirs {
            let secrets: Vec<String> = c.options.keys().filter(|k| is_secret(k)).cloned().collect();
            let existing = ours.iter().find(|o| o.name == c.name);
            let options = options_for_target(&c.options, existing.map(|e| &e.options));
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
                            ..CreateConnection::default()
                        };
                        self.target
                            .connections()
                            .create(&body)
                            .await
                            .map_err(|e| Failure::from(e).at(&self.to))?;
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
                        && e.metadata == c.metadata =>
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
                            ..UpdateConnection::default()
                        };
                        self.target
                            .connections()
                            .update(&e.id, &body)
                            .await
                            .map_err(|e| Failure::from(e).at(&self.to))?;
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

    async fn roles(&mut self) -> Result<(), Failure> {
        let theirs: Vec<Role> = self
            .source
            .roles()
            .all(PAGE)
            .try_collect()
            .await
            .map_err(|e| Failure::from(e).at(&self.from))?;
        let ours: Vec<Role> = self
            .target
            .roles()
            .all(PAGE)
            .try_collect()
            .await
            .map_err(|e| Failure::from(e).at(&self.to))?;
        for r in theirs {
            match ours.iter().find(|o| o.name == r.name) {
                None => {
                    self.say(format!("create role {}", r.name))?;
                    if !self.dry_run {
                        let body = CreateRole {
                            name: r.name.clone(),
                            description: r.description.clone(),
                        };
                        self.target
                            .roles()
                            .create(&body)
                            .await
                            .map_err(|e| Failure::from(e).at(&self.to))?;
                    }
                    self.tally.created += 1;
                }
                Some(o) if o.description == r.description => self.tally.unchanged += 1,
                Some(o) => {
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
                            .map_err(|e| Failure::from(e).at(&self.to))?;
                    }
                    self.tally.updated += 1;
                }
            }
        }
        Ok(())
    }

    async fn organizations(&mut self) -> Result<(), Failure> {
        let theirs: Vec<Organization> = self
            .source
            .organizations()
            .checkpoints(PAGE)
            .try_collect()
            .await
            .map_err(|e| Failure::from(e).at(&self.from))?;
        let ours: Vec<Organization> = self
            .target
            .organizations()
            .checkpoints(PAGE)
            .try_collect()
            .await
            .map_err(|e| Failure::from(e).at(&self.to))?;
        // Connection ids differ between tenants: names join them.
        let every = ConnectionFilter::default();
        let target_connections: Vec<Connection> = if self.dry_run {
            Vec::new()
        } else {
            self.target
                .connections()
                .all(&every, PAGE)
                .try_collect()
                .await
                .map_err(|e| Failure::from(e).at(&self.to))?
        };
        for o in theirs {
            let id = match ours.iter().find(|x| x.name == o.name) {
                None => {
                    self.say(format!("create organization {}", o.name))?;
                    self.tally.created += 1;
                    if self.dry_run {
                        None
                    } else {
                        let body = CreateOrganization {
                            name: o.name.clone(),
                            display_name: o.display_name.clone(),
                            branding: o.branding.clone(),
                            metadata: o.metadata.clone(),
                            ..CreateOrganization::default()
                        };
                        Some(
                            self.target
                                .organizations()
                                .create(&body)
                                .await
                                .map_err(|e| Failure::from(e).at(&self.to))?
                                .id,
                        )
                    }
                }
                Some(x)
                    if x.display_name == o.display_name
                        && x.branding == o.branding
                        && x.metadata == o.metadata =>
                {
                    self.tally.unchanged += 1;
                    Some(x.id.clone())
                }
                Some(x) => {
                    self.say(format!("update organization {}", o.name))?;
                    self.tally.updated += 1;
                    if !self.dry_run {
                        let body = UpdateOrganization {
                            display_name: o.display_name.clone(),
                            branding: Some(o.branding.clone()),
                            metadata: Some(o.metadata.clone()),
                            ..UpdateOrganization::default()
                        };
                        self.target
                            .organizations()
                            .update(&x.id, &body)
                            .await
                            .map_err(|e| Failure::from(e).at(&self.to))?;
                    }
                    Some(x.id.clone())
                }
            };
            self.enabled_connections(&o, id.as_deref(), &target_connections)
                .await?;
        }
        Ok(())
    }

    /// The organization's enabled connections (and their settings), by connection name.
    async fn enabled_connections(
        &mut self,
        org: &Organization,
        target_org: Option<&str>,
        target_connections: &[Connection],
    ) -> Result<(), Failure> {
        let theirs: Vec<EnabledConnection> = self
            .source
            .enabled_connections(&org.id)
            .all(PAGE)
            .try_collect()
            .await
            .map_err(|e| Failure::from(e).at(&self.from))?;
        let ours: Vec<EnabledConnection> = match target_org {
            Some(id) if !self.dry_run => self
                .target
                .enabled_connections(id)
                .all(PAGE)
                .try_collect()
                .await
                .map_err(|e| Failure::from(e).at(&self.to))?,
            _ => Vec::new(),
        };
        for e in theirs {
            let name = &e.connection.name;
            let settings = SettingsBody {
                assign_membership_on_login: Some(e.assign_membership_on_login),
                is_signup_enabled: e.is_signup_enabled,
                show_as_button: Some(e.show_as_button),
            };
            match ours.iter().find(|x| &x.connection.name == name) {
                Some(x)
                    if x.assign_membership_on_login == e.assign_membership_on_login
                        && x.is_signup_enabled == e.is_signup_enabled
                        && x.show_as_button == e.show_as_button =>
                {
                    self.tally.unchanged += 1;
                }
                Some(x) => {
                    self.say(format!(
                        "update connection {name} of organization {}",
                        org.name
                    ))?;
                    if let (false, Some(id)) = (self.dry_run, target_org) {
                        self.target
                            .enabled_connections(id)
                            .update(&x.connection_id, &settings)
                            .await
                            .map_err(|e| Failure::from(e).at(&self.to))?;
                    }
                    self.tally.updated += 1;
                }
                None => {
                    self.say(format!(
                        "enable connection {name} for organization {}",
                        org.name
                    ))?;
                    if let (false, Some(id)) = (self.dry_run, target_org) {
                        let Some(c) = target_connections.iter().find(|c| &c.name == name) else {
                            return Err(Failure::NotFound(format!(
                                "connection {name} is not on the target"
                            )));
                        };
                        let body = CreateEnabledConnection {
                            connection_id: c.id.clone(),
                            settings,
                        };
                        self.target
                            .enabled_connections(id)
                            .enable(&body)
                            .await
                            .map_err(|e| Failure::from(e).at(&self.to))?;
                    }
                    self.tally.created += 1;
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
