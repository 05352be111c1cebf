//! `orgwarden grants list|create|update|delete`: which application may call which API with
//! which scopes.

use std::io::Write;

use clap::Subcommand;
use orgwarden_client::Client;
use orgwarden_proto::grants::{ClientGrant, CreateClientGrant, UpdateClientGrant};

use crate::output::{Columns, Format};
use crate::{resolve, Failure, Run, PAGE};

#[derive(Debug, Subcommand)]
pub enum GrantsCommand {
    /// Every client grant (all pages), or those of one application or one API.
    #[command(
        after_help = "Example:\n  orgwarden grants list --client 'My App' --audience https://api.example.com/"
    )]
    List {
        /// Only this application's grants: a client id or a name.
        #[arg(long)]
        client: Option<String>,
        /// Only grants for this API (its identifier).
        #[arg(long)]
        audience: Option<String>,
    },
    /// Let an application call an API with some of its scopes.
    #[command(
        after_help = "Example:\n  orgwarden grants create --client 'My App' --audience https://api.example.com/ --scope read:reports"
    )]
    Create {
        /// A client id or a name.
        #[arg(long)]
        client: String,
        /// The API's identifier.
        #[arg(long)]
        audience: String,
        /// A scope (repeatable).
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
    },
    /// Replace a grant's scopes.
    #[command(
        after_help = "Example:\n  orgwarden grants update cgr_123 --scope read:reports --scope write:reports"
    )]
    Update {
        /// The grant's id (cgr_…).
        id: String,
        /// A scope (repeatable; none: no scopes).
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
    },
    /// Take a grant away.
    #[command(after_help = "Example:\n  orgwarden grants delete cgr_123")]
    Delete {
        /// The grant's id (cgr_…).
        id: String,
    },
}

const GRANT: Columns<ClientGrant> = Columns {
    headers: &["ID", "CLIENT ID", "AUDIENCE", "SCOPE"],
    row: |g| {
        vec![
            g.id.clone(),
            g.client_id.clone(),
            g.audience.clone(),
            g.scope.join(" "),
        ]
    },
};

impl Run for GrantsCommand {
    async fn run<W: Write>(
        self,
        client: &Client,
        format: Format,
        out: &mut W,
    ) -> Result<(), Failure> {
        let grants = client.client_grants();
        match self {
            GrantsCommand::List {
                client: app,
                audience,
            } => {
                let client_id = match app {
                    Some(app) => Some(resolve::application(client, &app).await?.client_id),
                    None => None,
                };
                let all: Vec<ClientGrant> = crate::progress::collect(grants.checkpoints(
                    client_id.as_deref(),
                    audience.as_deref(),
                    PAGE,
                ))
                .await?;
                format.list(out, &all, &GRANT)
            }
            GrantsCommand::Create {
                client: app,
                audience,
                scopes,
            } => {
                let body = CreateClientGrant {
                    client_id: resolve::application(client, &app).await?.client_id,
                    audience,
                    scope: Some(scopes),
                    attributes: Default::default(),
                };
                format.one(out, &grants.create(&body).await?, &GRANT)
            }
            GrantsCommand::Update { id, scopes } => {
                let body = UpdateClientGrant {
                    scope: Some(scopes),
                    attributes: Default::default(),
                };
                format.one(out, &grants.update(&id, &body).await?, &GRANT)
            }
            GrantsCommand::Delete { id } => {
                grants.delete(&id).await?;
                format.done(out, &format!("deleted grant {id}"))
            }
        }
    }
}
