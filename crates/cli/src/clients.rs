//! `orgwarden clients list|get|create|update|delete`: a tenant's applications, printed as the
//! API answers them (a new one's secret included: the only time it is shown).

use std::io::Write;

use clap::Subcommand;
use orgwarden_client::Client;
use orgwarden_proto::clients::{Client as Application, CreateClient, UpdateClient};

use crate::entries::{json_object, parse_entry};
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
    /// Create an application; its secret is printed this once (use --json to keep it).
    #[command(
        after_help = "Example:\n  orgwarden clients create portal --set app_type=regular_web --set 'callbacks=[\"https://portal.example.com/callback\"]' --json"
    )]
    Create {
        name: String,
        #[command(flatten)]
        settings: Settings,
    },
    /// Change an application's settings (only those given).
    #[command(
        after_help = "Example:\n  orgwarden clients update portal --set organization_usage=require"
    )]
    Update {
        /// A client id or a name.
        client: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
    /// Delete an application (its grants go with it).
    #[command(after_help = "Example:\n  orgwarden clients delete portal")]
    Delete {
        /// A client id or a name.
        client: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct Settings {
    /// A setting as the API names it (repeatable): app_type, callbacks, grant_types,
    /// organization_usage…; VALUE is JSON when it parses as JSON, else a string.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_entry)]
    set: Vec<(String, String)>,
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

/// A new application: its secret too, which the API shows only now.
const NEW_APPLICATION: Columns<Application> = Columns {
    headers: &["CLIENT ID", "NAME", "CLIENT SECRET"],
    row: |c| {
        vec![
            c.client_id.clone(),
            c.name.clone(),
            c.client_secret.clone().unwrap_or_else(|| "-".into()),
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
            ClientsCommand::Create { name, settings } => {
                let body = CreateClient {
                    name,
                    attributes: json_object(&settings.set),
                };
                format.one(
                    out,
                    &client.clients().create(&body).await?,
                    &NEW_APPLICATION,
                )
            }
            ClientsCommand::Update {
                client: app,
                name,
                settings,
            } => {
                let id = resolve::application(client, &app).await?.client_id;
                let body = UpdateClient {
                    name,
                    attributes: json_object(&settings.set),
                    ..UpdateClient::default()
                };
                format.one(
                    out,
                    &client.clients().update(&id, &body).await?,
                    &APPLICATION,
                )
            }
            ClientsCommand::Delete { client: app } => {
                let id = resolve::application(client, &app).await?.client_id;
                client.clients().delete(&id).await?;
                format.done(out, &format!("deleted application {id}"))
            }
        }
    }
}
