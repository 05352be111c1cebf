//! `orgwarden orgs members list|add|remove` and `orgwarden orgs members roles
//! list|add|remove`: who belongs to an organization, and the roles each has in it.

use std::io::Write;

use clap::Subcommand;
use orgwarden_client::Client;
use orgwarden_proto::members::Member;
use orgwarden_proto::roles::{Role, RoleIds};

use crate::output::{Columns, Format};
use crate::roles::ROLE;
use crate::{resolve, Failure, Run, PAGE};

#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// Every member of an organization (checkpoint paging).
    #[command(after_help = "Example:\n  orgwarden orgs members list acme --jsonl")]
    List {
        /// An id (org_…) or a name.
        org: String,
    },
    /// Make users members of an organization.
    #[command(
        after_help = "Example:\n  orgwarden orgs members add acme jo@example.com 'auth0|abc123'"
    )]
    Add {
        /// An id (org_…) or a name.
        org: String,
        /// User ids, or emails of users.
        #[arg(required = true)]
        users: Vec<String>,
    },
    /// Take users out of an organization (their accounts stay).
    #[command(after_help = "Example:\n  orgwarden orgs members remove acme jo@example.com")]
    Remove {
        /// An id (org_…) or a name.
        org: String,
        /// User ids, or emails of users.
        #[arg(required = true)]
        users: Vec<String>,
    },
    /// The roles a member has in an organization.
    #[command(subcommand)]
    Roles(MemberRolesCommand),
}

#[derive(Debug, Subcommand)]
pub enum MemberRolesCommand {
    /// A member's roles in an organization (all pages).
    #[command(after_help = "Example:\n  orgwarden orgs members roles list acme jo@example.com")]
    List {
        /// An id (org_…) or a name.
        org: String,
        /// A user id, or the user's email.
        user: String,
    },
    /// Give a member roles in an organization.
    #[command(
        after_help = "Example:\n  orgwarden orgs members roles add acme jo@example.com admin billing"
    )]
    Add {
        /// An id (org_…) or a name.
        org: String,
        /// A user id, or the user's email.
        user: String,
        /// Role ids (rol_…) or names.
        #[arg(required = true)]
        roles: Vec<String>,
    },
    /// Take roles in an organization from a member.
    #[command(
        after_help = "Example:\n  orgwarden orgs members roles remove acme jo@example.com billing"
    )]
    Remove {
        /// An id (org_…) or a name.
        org: String,
        /// A user id, or the user's email.
        user: String,
        /// Role ids (rol_…) or names.
        #[arg(required = true)]
        roles: Vec<String>,
    },
}

const MEMBER: Columns<Member> = Columns {
    headers: &["USER ID", "EMAIL", "NAME"],
    row: |m| {
        vec![
            m.user_id.clone(),
            m.email.clone().unwrap_or_default(),
            m.name.clone(),
        ]
    },
};

impl Run for MembersCommand {
    async fn run<W: Write>(
        self,
        client: &Client,
        format: Format,
        out: &mut W,
    ) -> Result<(), Failure> {
        match self {
            MembersCommand::List { org } => {
                let id = resolve::organization_id(client, &org).await?;
                let all: Vec<Member> =
                    crate::progress::collect(client.organization(&id).members(PAGE)).await?;
                format.list(out, &all, &MEMBER)
            }
            MembersCommand::Add { org, users } => {
                let id = resolve::organization_id(client, &org).await?;
                let users = resolve::user_ids(client, &users).await?;
                let refs: Vec<&str> = users.iter().map(String::as_str).collect();
                client.organization(&id).add_members(&refs).await?;
                format.done(
                    out,
                    &format!("added {} to organization {id}", users.join(", ")),
                )
            }
            MembersCommand::Remove { org, users } => {
                let id = resolve::organization_id(client, &org).await?;
                let users = resolve::user_ids(client, &users).await?;
                let refs: Vec<&str> = users.iter().map(String::as_str).collect();
                client.organization(&id).remove_members(&refs).await?;
                format.done(
                    out,
                    &format!("removed {} from organization {id}", users.join(", ")),
                )
            }
            MembersCommand::Roles(cmd) => cmd.run(client, format, out).await,
        }
    }
}

impl Run for MemberRolesCommand {
    async fn run<W: Write>(
        self,
        client: &Client,
        format: Format,
        out: &mut W,
    ) -> Result<(), Failure> {
        match self {
            MemberRolesCommand::List { org, user } => {
                let id = resolve::organization_id(client, &org).await?;
                let user = resolve::user_id(client, &user).await?;
                let all: Vec<Role> =
                    crate::progress::collect(client.organization(&id).member_roles(&user, PAGE))
                        .await?;
                format.list(out, &all, &ROLE)
            }
            MemberRolesCommand::Add { org, user, roles } => {
                let id = resolve::organization_id(client, &org).await?;
                let user = resolve::user_id(client, &user).await?;
                let roles = RoleIds {
                    roles: resolve::role_ids(client, &roles).await?,
                };
                client
                    .organization(&id)
                    .give_member_roles(&user, &roles)
                    .await?;
                let line = format!(
                    "gave {user} {} in organization {id}",
                    roles.roles.join(", ")
                );
                format.done(out, &line)
            }
            MemberRolesCommand::Remove { org, user, roles } => {
                let id = resolve::organization_id(client, &org).await?;
                let user = resolve::user_id(client, &user).await?;
                let roles = RoleIds {
                    roles: resolve::role_ids(client, &roles).await?,
                };
                client
                    .organization(&id)
                    .take_member_roles(&user, &roles)
                    .await?;
                let line = format!(
                    "took {} from {user} in organization {id}",
                    roles.roles.join(", ")
                );
                format.done(out, &line)
            }
        }
    }
}
