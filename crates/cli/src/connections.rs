//! `orgwarden connections list|get|create|update|delete`: a tenant's connections. Options are
//! printed as the API answers them (with `--json`; the table leaves them out).

use std::io::Write;

use clap::{Args, Subcommand};
use orgwarden_client::{Client, ConnectionFilter};
use orgwarden_proto::connections::{Connection, CreateConnection, UpdateConnection};

use crate::entries::{json_object, parse_entry};
use crate::output::{Columns, Format};
use crate::{resolve, Failure, Run, PAGE};

#[derive(Debug, Subcommand)]
pub enum ConnectionsCommand {
    /// Every connection (all pages), or those of some strategies.
    #[command(
        after_help = "Example:\n  orgwarden connections list --strategy auth0 --strategy google-oauth2"
    )]
    List {
        /// Only connections of this strategy (repeatable).
        #[arg(long = "strategy", value_name = "STRATEGY")]
        strategies: Vec<String>,
    },
    /// One connection, by id or name.
    #[command(after_help = "Example:\n  orgwarden connections get people --json")]
    Get {
        /// An id (con_…) or a name.
        connection: String,
    },
    /// Create a connection.
    #[command(
        after_help = "Example:\n  orgwarden connections create people --strategy auth0 --option requires_username=true --option 'password_complexity_options={\"min_length\":12}'"
    )]
    Create {
        /// Letters, digits and `-`; unique in the tenant.
        name: String,
        /// `auth0` (a database), `google-oauth2`, `samlp`, `oidc`, …
        #[arg(long)]
        strategy: String,
        #[command(flatten)]
        fields: ConnectionFields,
    },
    /// Change a connection's display name or options (the options given are merged into
    /// the current ones).
    #[command(
        after_help = "Example:\n  orgwarden connections update people --option disable_signup=true"
    )]
    Update {
        /// An id (con_…) or a name.
        connection: String,
        #[command(flatten)]
        fields: ConnectionFields,
    },
    /// Delete a connection and the users who sign in through it.
    #[command(after_help = "Example:\n  orgwarden connections delete people")]
    Delete {
        /// An id (con_…) or a name.
        connection: String,
    },
}

#[derive(Debug, Args)]
pub struct ConnectionFields {
    /// The name shown on the login page.
    #[arg(long)]
    pub display_name: Option<String>,
    /// An option (repeatable); VALUE is JSON when it parses as JSON (true, 8, {...}), else
    /// a string.
    #[arg(long = "option", value_name = "KEY=VALUE", value_parser = parse_entry)]
    pub options: Vec<(String, String)>,
}

const CONNECTION: Columns<Connection> = Columns {
    headers: &["ID", "NAME", "STRATEGY", "DISPLAY NAME"],
    row: |c| {
        vec![
            c.id.clone(),
            c.name.clone(),
            c.strategy.clone(),
            c.display_name.clone().unwrap_or_default(),
        ]
    },
};

impl Run for ConnectionsCommand {
    async fn run<W: Write>(
        self,
        client: &Client,
        format: Format,
        out: &mut W,
    ) -> Result<(), Failure> {
        let connections = client.connections();
        match self {
            ConnectionsCommand::List { strategies } => {
                let filter = ConnectionFilter {
                    strategy: strategies,
                    name: None,
                };
                let all: Vec<Connection> =
                    crate::progress::collect(connections.checkpoints(&filter, PAGE)).await?;
                format.list(out, &all, &CONNECTION)
            }
            ConnectionsCommand::Get { connection } => {
                let found = resolve::connection(client, &connection).await?;
                format.one(out, &found, &CONNECTION)
            }
            ConnectionsCommand::Create {
                name,
                strategy,
                fields,
            } => {
                let body = CreateConnection {
                    name,
                    strategy,
                    display_name: fields.display_name,
                    options: (!fields.options.is_empty()).then(|| json_object(&fields.options)),
                    ..CreateConnection::default()
                };
                format.one(out, &connections.create(&body).await?, &CONNECTION)
            }
            ConnectionsCommand::Update { connection, fields } => {
                // PATCH replaces the whole options object: merge into what is there.
                let current = resolve::connection(client, &connection).await?;
                let options = (!fields.options.is_empty()).then(|| {
                    let mut merged = current.options.clone();
                    merged.extend(json_object(&fields.options));
                    Some(merged)
                });
                let body = UpdateConnection {
                    display_name: fields.display_name,
                    options,
                    ..UpdateConnection::default()
                };
                format.one(
                    out,
                    &connections.update(&current.id, &body).await?,
                    &CONNECTION,
                )
            }
            ConnectionsCommand::Delete { connection } => {
                let id = resolve::connection_id(client, &connection).await?;
                connections.delete(&id).await?;
                format.done(out, &format!("deleted connection {id}"))
            }
        }
    }
}
