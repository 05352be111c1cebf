//! `orgwarden roles list|get|create|update|delete`: a tenant's roles.

use std::io::Write;

use clap::Subcommand;
use orgwarden_client::Client;
use orgwarden_proto::roles::{CreateRole, Role, UpdateRole};

use crate::output::{Columns, Format};
use crate::{resolve, Failure, Run, PAGE};

#[derive(Debug, Subcommand)]
pub enum RolesCommand {
    /// Every role (all pages).
    #[command(after_help = "Example:\n  orgwarden roles list --json")]
    List,
    /// One role, by id or name.
    #[command(after_help = "Example:\n  orgwarden roles get admin")]
    Get {
        /// An id (rol_…) or a name.
        role: String,
    },
    /// Create a role.
    #[command(
        after_help = "Example:\n  orgwarden roles create admin --description 'Runs the place'"
    )]
    Create {
        name: String,
        /// What the role is for.
        #[arg(long)]
        description: Option<String>,
    },
    /// Rename a role or change its description.
    #[command(
        after_help = "Example:\n  orgwarden roles update admin --description 'Runs everything'"
    )]
    Update {
        /// An id (rol_…) or a name.
        role: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete a role (whoever had it loses it).
    #[command(after_help = "Example:\n  orgwarden roles delete admin")]
    Delete {
        /// An id (rol_…) or a name.
        role: String,
    },
}

pub(crate) const ROLE: Columns<Role> = Columns {
    headers: &["ID", "NAME", "DESCRIPTION"],
    row: |r| {
        vec![
            r.id.clone(),
            r.name.clone(),
            r.description.clone().unwrap_or_default(),
        ]
    },
};

impl Run for RolesCommand {
    async fn run<W: Write>(
        self,
        client: &Client,
        format: Format,
        out: &mut W,
    ) -> Result<(), Failure> {
        let roles = client.roles();
        match self {
            RolesCommand::List => {
                let all: Vec<Role> = crate::progress::collect(roles.all(PAGE)).await?;
                format.list(out, &all, &ROLE)
            }
            RolesCommand::Get { role } => {
                let id = resolve::role_id(client, &role).await?;
                format.one(out, &roles.get(&id).await?, &ROLE)
            }
            RolesCommand::Create { name, description } => {
                let body = CreateRole { name, description };
                format.one(out, &roles.create(&body).await?, &ROLE)
            }
            RolesCommand::Update {
                role,
                name,
                description,
            } => {
                let id = resolve::role_id(client, &role).await?;
                let body = UpdateRole { name, description };
                format.one(out, &roles.update(&id, &body).await?, &ROLE)
            }
            RolesCommand::Delete { role } => {
                let id = resolve::role_id(client, &role).await?;
                roles.delete(&id).await?;
                format.done(out, &format!("deleted role {id}"))
            }
        }
    }
}
