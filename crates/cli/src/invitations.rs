//! `orgwarden orgs invitations list|create|get|delete`: invitations to join an organization,
//! each with the link the invitee opens.

use std::io::Write;

use clap::Subcommand;
use orgwarden_client::Client;
use orgwarden_proto::invitations::{CreateInvitation, Invitation, Invitee, Inviter};

use crate::output::{Columns, Format};
use crate::{resolve, Failure, Run, PAGE};

#[derive(Debug, Subcommand)]
pub enum InvitationsCommand {
    /// The invitations of an organization that have not expired (all pages).
    #[command(after_help = "Example:\n  orgwarden orgs invitations list acme")]
    List {
        /// An id (org_…) or a name.
        org: String,
    },
    /// Invite someone to an organization; prints the invitation URL to send them.
    #[command(
        after_help = "Example:\n  orgwarden orgs invitations create acme --inviter 'Ana' --email jo@example.com --client 'My App' --role member --ttl-sec 86400"
    )]
    Create {
        /// An id (org_…) or a name.
        org: String,
        /// Who invites, as the invitee will see it.
        #[arg(long, value_name = "NAME")]
        inviter: String,
        /// Whom to invite.
        #[arg(long)]
        email: String,
        /// The application the invitee signs in to: a client id or a name.
        #[arg(long)]
        client: String,
        /// The connection to sign up through: an id (con_…) or a name.
        #[arg(long)]
        connection: Option<String>,
        /// A role the invitee gets in the organization: an id (rol_…) or a name (repeatable).
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// How long the invitation stays valid, in seconds (Auth0's default: 7 days).
        #[arg(long, value_name = "N")]
        ttl_sec: Option<i64>,
    },
    /// One invitation.
    #[command(after_help = "Example:\n  orgwarden orgs invitations get acme uinv_abc123 --json")]
    Get {
        /// An id (org_…) or a name.
        org: String,
        /// The invitation's id (uinv_…).
        invitation: String,
    },
    /// Revoke an invitation.
    #[command(after_help = "Example:\n  orgwarden orgs invitations delete acme uinv_abc123")]
    Delete {
        /// An id (org_…) or a name.
        org: String,
        /// The invitation's id (uinv_…).
        invitation: String,
    },
}

const INVITATION: Columns<Invitation> = Columns {
    headers: &["ID", "EMAIL", "CLIENT ID", "EXPIRES AT", "INVITATION URL"],
    row: |i| {
        vec![
            i.id.clone(),
            i.invitee.email.clone(),
            i.client_id.clone(),
            i.expires_at.clone(),
            i.invitation_url.clone(),
        ]
    },
};

impl Run for InvitationsCommand {
    async fn run<W: Write>(
        self,
        client: &Client,
        format: Format,
        out: &mut W,
    ) -> Result<(), Failure> {
        match self {
            InvitationsCommand::List { org } => {
                let id = resolve::organization_id(client, &org).await?;
                let all = every_invitation(client, &id).await?;
                format.list(out, &all, &INVITATION)
            }
            InvitationsCommand::Create {
                org,
                inviter,
                email,
                client: app,
                connection,
                roles,
                ttl_sec,
            } => {
                let id = resolve::organization_id(client, &org).await?;
                let connection_id = match connection {
                    Some(c) => Some(resolve::connection_id(client, &c).await?),
                    None => None,
                };
                let roles = resolve::role_ids(client, &roles).await?;
                let body = CreateInvitation {
                    inviter: Inviter { name: inviter },
                    invitee: Invitee { email },
                    client_id: resolve::application(client, &app).await?.client_id,
                    connection_id,
                    ttl_sec,
                    roles: (!roles.is_empty()).then_some(roles),
                    app_metadata: None,
                    user_metadata: None,
                    send_invitation_email: None,
                };
                let made = client.organization(&id).invite(&body).await?;
                format.one(out, &made, &INVITATION)
            }
            InvitationsCommand::Get { org, invitation } => {
                let id = resolve::organization_id(client, &org).await?;
                let found = client.organization(&id).invitation(&invitation).await?;
                format.one(out, &found, &INVITATION)
            }
            InvitationsCommand::Delete { org, invitation } => {
                let id = resolve::organization_id(client, &org).await?;
                client
                    .organization(&id)
                    .revoke_invitation(&invitation)
                    .await?;
                format.done(out, &format!("revoked invitation {invitation}"))
            }
        }
    }
}

/// Invitation pages carry no total: page until a short one.
async fn every_invitation(client: &Client, org_id: &str) -> Result<Vec<Invitation>, Failure> {
    let people = client.organization(org_id);
    let mut all = Vec::new();
    for page in 0.. {
        let got = people.invitations_page(page, PAGE).await?;
        let last = got.len() < PAGE as usize;
        all.extend(got);
        if last {
            break;
        }
    }
    Ok(all)
}
