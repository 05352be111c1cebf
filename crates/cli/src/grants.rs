//! `orgwarden grants list`: which application may call which API with which scopes.

use std::io::Write;

use clap::Subcommand;
use orgwarden_client::Client;
use orgwarden_proto::grants::ClientGrant;

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
        let GrantsCommand::List {
            client: app,
            audience,
        } = self;
        let client_id = match app {
            Some(app) => Some(resolve::application(client, &app).await?.client_id),
            None => None,
        };
        let all: Vec<ClientGrant> = crate::progress::collect(client.client_grants().checkpoints(
            client_id.as_deref(),
            audience.as_deref(),
            PAGE,
        ))
        .await?;
        format.list(out, &all, &GRANT)
    }
}
