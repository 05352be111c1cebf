//! `orgwarden clients list|get`: a tenant's applications, printed as the API answers them.

use std::io::Write;

use clap::Subcommand;
use orgwarden_client::Client;
use orgwarden_proto::clients::Client as Application;

use crate::output::{Columns, Format};
use crate::{resolve, Failure, Run, PAGE};

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Every application (all pages).
    #[command(after_help = "Example:\n  orgwarden clients list")]
    List,
    /// One application, by client id or name.
    #[command(after_help = "Example:\n  orgwarden clients get 'My App' --json")]
    Get {
        /// A client id or a name.
        client: String,
    },
}

const APPLICATION: Columns<Application> = Columns {
    headers: &["CLIENT ID", "NAME", "APP TYPE"],
    row: |c| {
        let app_type = c.attributes.get("app_type").and_then(|t| t.as_str());
        vec![
            c.client_id.clone(),
            c.name.clone(),
            app_type.unwrap_or("-").to_owned(),
        ]
    },
};

impl Run for ClientsCommand {
    async fn run<W: Write>(
        self,
        client: &Client,
        format: Format,
        out: &mut W,
    ) -> Result<(), Failure> {
        match self {
            ClientsCommand::List => {
                let all: Vec<Application> =
                    crate::progress::collect(client.clients().checkpoints(PAGE)).await?;
                format.list(out, &all, &APPLICATION)
            }
            ClientsCommand::Get { client: app } => {
                let found = resolve::application(client, &app).await?;
                format.one(out, &found, &APPLICATION)
            }
        }
    }
}
