//! `orgwarden orgs list|get|create|update|delete` and `orgwarden orgs connections
//! list|enable|update|disable`: organizations, and the connections each one offers (members
//! and invitations are in their own modules).

use std::io::Write;

use clap::{Args, Subcommand};
use orgwarden_client::Client;
use orgwarden_proto::enabled_connections::{
    CreateEnabledConnection, EnabledConnection, SettingsBody,
};
use orgwarden_proto::organizations::{
    Branding, CreateOrganization, Metadata, Organization, UpdateOrganization,
};
use serde_json::Value;

use crate::entries::parse_entry;
use crate::invitations::InvitationsCommand;
use crate::members::MembersCommand;
use crate::output::{yes_no, Columns, Format};
use crate::{resolve, Failure, Run, PAGE};

#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// Every organization (all pages).
    #[command(after_help = "Example:\n  orgwarden orgs list --local --json")]
    List,
    /// One organization, by id or name.
    #[command(after_help = "Example:\n  orgwarden orgs get acme --profile staging")]
    Get {
        /// An id (org_…) or a name.
        org: String,
    },
    /// Create an organization.
    #[command(
        after_help = "Example:\n  orgwarden orgs create acme --display-name 'Acme Inc.' --metadata tier=gold"
    )]
    Create {
        /// Lowercase letters, digits, `_` and `-`.
        name: String,
        #[command(flatten)]
        fields: OrgFields,
    },
    /// Change an organization's name, display name, logo or metadata.
    #[command(
        after_help = "Example:\n  orgwarden orgs update acme --display-name 'Acme Corp' --metadata tier=platinum"
    )]
    Update {
        /// An id (org_…) or a name.
        org: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        fields: OrgFields,
    },
    /// Delete an organization (its members and enabled connections go with it).
    #[command(after_help = "Example:\n  orgwarden orgs delete acme")]
    Delete {
        /// An id (org_…) or a name.
        org: String,
    },
    /// The connections an organization offers.
    #[command(subcommand)]
    Connections(OrgConnectionsCommand),
    /// An organization's members and their roles in it.
    #[command(subcommand)]
    Members(MembersCommand),
    /// Invitations to join an organization.
    #[command(subcommand)]
    Invitations(InvitationsCommand),
}

#[derive(Debug, Args)]
pub struct OrgFields {
    /// The name people see.
    #[arg(long)]
    pub display_name: Option<String>,
    /// The logo shown on the login page (an https URL).
    #[arg(long, value_name = "URL")]
    pub logo_url: Option<String>,
    /// A metadata entry (repeatable).
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_entry)]
    pub metadata: Vec<(String, String)>,
}

impl OrgFields {
    fn branding(&self) -> Option<Branding> {
        self.logo_url.as_ref().map(|url| Branding {
            logo_url: Some(url.clone()),
            colors: None,
        })
    }

    fn metadata(&self) -> Option<Metadata> {
        (!self.metadata.is_empty()).then(|| {
            self.metadata
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect()
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum OrgConnectionsCommand {
    /// The connections enabled for an organization (all pages).
    #[command(after_help = "Example:\n  orgwarden orgs connections list acme")]
    List {
        /// An id (org_…) or a name.
        org: String,
    },
    /// Enable a connection for an organization.
    #[command(
        after_help = "Example:\n  orgwarden orgs connections enable acme Username-Password-Authentication --assign-membership-on-login true"
    )]
    Enable {
        /// An id (org_…) or a name.
        org: String,
        /// An id (con_…) or a name.
        connection: String,
        #[command(flatten)]
        settings: ConnectionSettings,
    },
    /// Change how an enabled connection behaves for an organization.
    #[command(
        after_help = "Example:\n  orgwarden orgs connections update acme google-oauth2 --show-as-button false"
    )]
    Update {
        /// An id (org_…) or a name.
        org: String,
        /// An id (con_…) or a name.
        connection: String,
        #[command(flatten)]
        settings: ConnectionSettings,
    },
    /// Disable a connection for an organization (the connection itself stays).
    #[command(after_help = "Example:\n  orgwarden orgs connections disable acme google-oauth2")]
    Disable {
        /// An id (org_…) or a name.
        org: String,
        /// An id (con_…) or a name.
        connection: String,
    },
}

#[derive(Debug, Clone, Copy, Args)]
pub struct ConnectionSettings {
    /// Make whoever signs in through the connection a member.
    #[arg(long, value_name = "BOOL")]
    pub assign_membership_on_login: Option<bool>,
    /// Offer sign-up through the connection (database connections).
    #[arg(long = "signup", value_name = "BOOL")]
    pub is_signup_enabled: Option<bool>,
    /// Show the connection as a button on the login page.
    #[arg(long, value_name = "BOOL")]
    pub show_as_button: Option<bool>,
}

impl From<ConnectionSettings> for SettingsBody {
    fn from(s: ConnectionSettings) -> SettingsBody {
        SettingsBody {
            assign_membership_on_login: s.assign_membership_on_login,
            is_signup_enabled: s.is_signup_enabled,
            show_as_button: s.show_as_button,
        }
    }
}

const ORGANIZATION: Columns<Organization> = Columns {
    headers: &["ID", "NAME", "DISPLAY NAME"],
    row: |o| {
        vec![
            o.id.clone(),
            o.name.clone(),
            o.display_name.clone().unwrap_or_default(),
        ]
    },
};

const ENABLED_CONNECTION: Columns<EnabledConnection> = Columns {
    headers: &[
        "CONNECTION ID",
        "NAME",
        "STRATEGY",
        "MEMBERSHIP ON LOGIN",
        "SIGNUP",
        "BUTTON",
    ],
    row: |c| {
        vec![
            c.connection_id.clone(),
            c.connection.name.clone(),
            c.connection.strategy.clone(),
            yes_no(Some(c.assign_membership_on_login)),
            yes_no(c.is_signup_enabled),
            yes_no(Some(c.show_as_button)),
        ]
    },
};

impl Run for OrgsCommand {
    async fn run<W: Write>(
        self,
        client: &Client,
        format: Format,
        out: &mut W,
    ) -> Result<(), Failure> {
        command(client, self, format, out).await
    }
}

async fn command(
    client: &Client,
    cmd: OrgsCommand,
    format: Format,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let orgs = client.organizations();
    match cmd {
        OrgsCommand::List => {
            let all: Vec<Organization> = crate::progress::collect(orgs.checkpoints(PAGE)).await?;
            format.list(out, &all, &ORGANIZATION)
        }
        OrgsCommand::Get { org } => {
            let found = resolve::organization(client, &org).await?;
            format.one(out, &found, &ORGANIZATION)
        }
        OrgsCommand::Create { name, fields } => {
            let body = CreateOrganization {
                name,
                display_name: fields.display_name.clone(),
                branding: fields.branding(),
                metadata: fields.metadata(),
                ..CreateOrganization::default()
            };
            format.one(out, &orgs.create(&body).await?, &ORGANIZATION)
        }
        OrgsCommand::Update { org, name, fields } => {
            let id = resolve::organization_id(client, &org).await?;
            let body = UpdateOrganization {
                name,
                display_name: fields.display_name.clone(),
                branding: fields.branding().map(Some),
                metadata: fields.metadata().map(Some),
                ..UpdateOrganization::default()
            };
            format.one(out, &orgs.update(&id, &body).await?, &ORGANIZATION)
        }
        OrgsCommand::Delete { org } => {
            let id = resolve::organization_id(client, &org).await?;
            orgs.delete(&id).await?;
            format.done(out, &format!("deleted organization {id}"))
        }
        OrgsCommand::Connections(cmd) => connections(client, cmd, format, out).await,
        OrgsCommand::Members(cmd) => cmd.run(client, format, out).await,
        OrgsCommand::Invitations(cmd) => cmd.run(client, format, out).await,
    }
}

async fn connections(
    client: &Client,
    cmd: OrgConnectionsCommand,
    format: Format,
    out: &mut impl Write,
) -> Result<(), Failure> {
    match cmd {
        OrgConnectionsCommand::List { org } => {
            let id = resolve::organization_id(client, &org).await?;
            let all: Vec<EnabledConnection> =
                crate::progress::collect(client.enabled_connections(&id).all(PAGE)).await?;
            format.list(out, &all, &ENABLED_CONNECTION)
        }
        OrgConnectionsCommand::Enable {
            org,
            connection,
            settings,
        } => {
            let id = resolve::organization_id(client, &org).await?;
            let body = CreateEnabledConnection {
                connection_id: resolve::connection_id(client, &connection).await?,
                settings: settings.into(),
            };
            let enabled = client.enabled_connections(&id).enable(&body).await?;
            format.one(out, &enabled, &ENABLED_CONNECTION)
        }
        OrgConnectionsCommand::Update {
            org,
            connection,
            settings,
        } => {
            let id = resolve::organization_id(client, &org).await?;
            let con = resolve::connection_id(client, &connection).await?;
            let updated = client
                .enabled_connections(&id)
                .update(&con, &settings.into())
                .await?;
            format.one(out, &updated, &ENABLED_CONNECTION)
        }
        OrgConnectionsCommand::Disable { org, connection } => {
            let id = resolve::organization_id(client, &org).await?;
            let con = resolve::connection_id(client, &connection).await?;
            client.enabled_connections(&id).disable(&con).await?;
            format.done(
                out,
                &format!("disabled connection {con} for organization {id}"),
            )
        }
    }
}
