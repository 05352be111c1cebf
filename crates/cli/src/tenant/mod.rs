//! `orgwarden tenant copy --from SOURCE --to TARGET`: a tenant's APIs (resource servers),
//! applications (clients) and their grants, connections (enabled for the same applications),
//! roles and organizations (with their enabled connections and settings) copied into another,
//! keyed by name (an API by its identifier) so it can run again: what matches is left alone,
//! what differs is updated, what is missing is created. The source is only ever read. Secrets
//! are not copied: connection options that hold them (a target's own values are kept), and
//! client secrets (a new application gets its own): the command lists them.
//!
//! SOURCE and TARGET are profile names (`orgwarden login`) or `local:DATA_DIR`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use futures_util::TryStreamExt;
use orgwarden_client::{Client, Items};

use crate::target::Target;
use crate::{Failure, Notices};

mod applications;
mod directory;
mod organizations;
mod people;
mod prune;

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
    /// Also delete what the target has and the source lacks (organizations, connections,
    /// roles, applications, APIs; never users, global applications or the ones the command
    /// signs in as). Try it with --dry-run first.
    #[arg(long)]
    pub prune: bool,
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
    deleted: usize,
    /// What the user must fill in or fetch on the target (`connection NAME: options.KEY`).
    secrets: Vec<String>,
    /// Users created with a password of their own to reset.
    new_users: usize,
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
    let own = |r: &crate::target::Resolved| match &r.credential {
        crate::target::Credential::ClientCredentials { id, .. } => Some(id.clone()),
        crate::target::Credential::Token(_) => None,
    };
    let mut copy = Copy {
        from: from.domain.clone(),
        to: to.domain.clone(),
        own: [own(&from), own(&to)],
        clients: Default::default(),
        users: Default::default(),
        roles: Default::default(),
        source: &source,
        target: &target,
        dry_run: args.dry_run,
        out,
        tally: Tally::default(),
    };
    let done = match copy.everything().await {
        Ok(()) if args.prune => copy.prune().await,
        other => other,
    };
    let t = &copy.tally;
    let verb = if args.dry_run { "would be" } else { "were" };
    let deleted = if args.prune {
        format!(", {} deleted", t.deleted)
    } else {
        String::new()
    };
    let line = format!(
        "{} created, {} updated, {} unchanged{deleted} ({verb} from {} into {})",
        t.created, t.updated, t.unchanged, from.domain, to.domain
    );
    writeln!(copy.out, "{line}").map_err(Failure::output)?;
    for s in &t.secrets {
        writeln!(copy.out, "fill in on the target: {s}").map_err(Failure::output)?;
    }
    if t.new_users > 0 {
        writeln!(
            copy.out,
            "{} new users have a random password: they set theirs with a password-change link",
            t.new_users
        )
        .map_err(Failure::output)?;
    }
    if done.is_err() {
        // What was written stays; a second run picks up where this one stopped.
        writeln!(
            copy.out,
            "stopped before the end: run the same command again to finish"
        )
        .map_err(Failure::output)?;
    }
    done
}

struct Copy<'a, W: Write> {
    /// The domains, for what a failure says.
    from: String,
    to: String,
    /// The clients each side is reached as (left alone: one's own access is not copied).
    own: [Option<String>; 2],
    /// Source client id → target client id, by name, once applications are copied.
    clients: std::collections::HashMap<String, String>,
    /// Source user id → target user id, by connection and email, once users are copied.
    users: std::collections::HashMap<String, String>,
    /// Source role id → target role id, by name, once roles are copied.
    roles: std::collections::HashMap<String, String>,
    source: &'a Client,
    target: &'a Client,
    dry_run: bool,
    out: &'a mut W,
    tally: Tally,
}

impl<W: Write> Copy<'_, W> {
    /// In dependency order: APIs and applications before grants and connections, roles and
    /// users before organizations' members.
    async fn everything(&mut self) -> Result<(), Failure> {
        self.resource_servers().await?;
        self.applications().await?;
        self.connections().await?;
        self.roles().await?;
        self.role_permissions().await?;
        self.users().await?;
        self.organizations().await?;
        self.grants().await
    }

    /// Every item of a list read from the source.
    async fn theirs<T>(&self, items: Items<T>) -> Result<Vec<T>, Failure> {
        items.try_collect().await.map_err(self.at_source())
    }

    /// Every item of a list read from the target.
    async fn ours<T>(&self, items: Items<T>) -> Result<Vec<T>, Failure> {
        items.try_collect().await.map_err(self.at_target())
    }

    /// A failure talking to the source, said to be there.
    fn at_source(&self) -> impl Fn(orgwarden_client::Error) -> Failure + '_ {
        |e| Failure::from(e).at(&self.from)
    }

    /// A failure talking to the target, said to be there.
    fn at_target(&self) -> impl Fn(orgwarden_client::Error) -> Failure + '_ {
        |e| Failure::from(e).at(&self.to)
    }

    fn say(&mut self, line: String) -> Result<(), Failure> {
        let prefix = if self.dry_run { "would " } else { "" };
        writeln!(self.out, "{prefix}{line}").map_err(Failure::output)
    }
}
