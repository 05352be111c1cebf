//! Invitations to join an organization: who invites whom, through which client (whose
//! `initiate_login_uri` starts the link), optionally which connection and roles; they expire.
//! The ticket in the link is a bearer secret for accepting the invitation (issue 15).

use orgwarden_proto::invitations::{
    self as wire, CreateInvitation, Invitee, Inviter, DEFAULT_TTL_SEC,
};
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use crate::clock::iso8601_millis;
use crate::ids::{random_alphanumeric, ClientId, ConnectionId, InvitationId, OrgId, RoleId};
use crate::{Error, Result};

/// Letters and digits in a ticket: 32 alphanumerics are over 190 bits from the OS's random
/// number generator (as Auth0's recorded tickets, 32 characters).
const TICKET_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub struct Invitation {
    pub id: InvitationId,
    pub organization_id: OrgId,
    pub client_id: ClientId,
    pub connection_id: Option<ConnectionId>,
    pub inviter_name: String,
    pub invitee_email: String,
    pub app_metadata: Option<Map<String, Value>>,
    pub user_metadata: Option<Map<String, Value>>,
    pub roles: Vec<RoleId>,
    pub ticket_id: String,
    pub invitation_url: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// What a backend stores beside the ids and times (one JSON document).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Document {
    pub inviter_name: String,
    pub invitee_email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_metadata: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_metadata: Option<Map<String, Value>>,
    #[serde(default)]
    pub roles: Vec<String>,
    pub invitation_url: String,
}

impl Invitation {
    pub fn document(&self) -> Document {
        Document {
            inviter_name: self.inviter_name.clone(),
            invitee_email: self.invitee_email.clone(),
            app_metadata: self.app_metadata.clone(),
            user_metadata: self.user_metadata.clone(),
            roles: self.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            invitation_url: self.invitation_url.clone(),
        }
    }

    /// The invitation read back from storage.
    #[allow(clippy::too_many_arguments)]
    pub fn from_stored(
        id: String,
        org: String,
        client: String,
        connection: Option<String>,
        ticket_id: String,
        doc: Document,
        created_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Invitation {
        Invitation {
            id: InvitationId::from_trusted(id),
            organization_id: OrgId::from_trusted(org),
            client_id: ClientId::from_trusted(client),
            connection_id: connection.map(ConnectionId::from_trusted),
            inviter_name: doc.inviter_name,
            invitee_email: doc.invitee_email,
            app_metadata: doc.app_metadata,
            user_metadata: doc.user_metadata,
            roles: doc.roles.into_iter().map(RoleId::from_trusted).collect(),
            ticket_id,
            invitation_url: doc.invitation_url,
            created_at,
            expires_at,
        }
    }

    pub fn to_wire(&self) -> wire::Invitation {
        wire::Invitation {
            id: self.id.as_str().to_owned(),
            client_id: self.client_id.as_str().to_owned(),
            connection_id: self.connection_id.as_ref().map(|c| c.as_str().to_owned()),
            inviter: Inviter {
                name: self.inviter_name.clone(),
            },
            invitee: Invitee {
                email: self.invitee_email.clone(),
            },
            app_metadata: self.app_metadata.clone(),
            user_metadata: self.user_metadata.clone(),
            invitation_url: self.invitation_url.clone(),
            ticket_id: self.ticket_id.clone(),
            created_at: iso8601_millis(self.created_at),
            expires_at: iso8601_millis(self.expires_at),
            organization_id: self.organization_id.as_str().to_owned(),
            roles: (!self.roles.is_empty())
                .then(|| self.roles.iter().map(|r| r.as_str().to_owned()).collect()),
        }
    }

    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at <= now
    }
}

/// A create body, read: ids checked for shape, the lifetime resolved. The link is made in
/// [`NewInvitation::into_invitation`], once the rule has the organization and the client.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInvitation {
    pub client_id: ClientId,
    pub connection_id: Option<ConnectionId>,
    pub inviter_name: String,
    pub invitee_email: String,
    pub app_metadata: Option<Map<String, Value>>,
    pub user_metadata: Option<Map<String, Value>>,
    pub roles: Vec<RoleId>,
    pub ttl: Duration,
}

impl TryFrom<CreateInvitation> for NewInvitation {
    type Error = Error;

    fn try_from(b: CreateInvitation) -> Result<Self> {
        let email = b.invitee.email.trim().to_lowercase();
        let valid = email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains('@'))
            && !email.chars().any(char::is_whitespace);
        if !valid {
            return Err(Error::invalid_field(
                "invitee.email",
                format!("Payload validation error: 'Object didn't pass validation for format email: {}' on property invitee.email (The invitee's email.).", b.invitee.email),
            ));
        }
        let client_id = ClientId::parse(&b.client_id)
            .ok_or_else(|| Error::NotFound(crate::NotFound::Client))?;
        let connection_id = match b.connection_id {
            Some(c) => Some(ConnectionId::parse(&c).ok_or_else(|| {
                Error::invalid_field("connection_id", "The connection does not exist.")
            })?),
            None => None,
        };
        let roles = b
            .roles
            .unwrap_or_default()
            .iter()
            .map(|r| {
                RoleId::parse(r).ok_or_else(|| {
                    Error::invalid_field("roles", format!("The role {r} does not exist."))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let ttl = match b.ttl_sec {
            None | Some(0) => DEFAULT_TTL_SEC,
            Some(s) => s,
        };
        Ok(NewInvitation {
            client_id,
            connection_id,
            inviter_name: b.inviter.name,
            invitee_email: email,
            app_metadata: b.app_metadata.filter(|m| !m.is_empty()),
            user_metadata: b.user_metadata.filter(|m| !m.is_empty()),
            roles,
            ttl: Duration::seconds(ttl),
        })
    }
}

/// The message Auth0 gives when it has nowhere to send the invitee.
pub const NO_LOGIN_ROUTE: &str = "A default login route is required to generate the invitation url. For more information, see https://auth0.com/docs/universal-login/configure-default-login-routes";

impl NewInvitation {
    /// The invitation, its ticket and its link: `<initiate_login_uri>?invitation=…&organization=…&organization_name=…`.
    pub fn into_invitation(
        self,
        org: &OrgId,
        org_name: &str,
        initiate_login_uri: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Invitation> {
        let Some(base) = initiate_login_uri.filter(|u| !u.is_empty()) else {
            return Err(Error::invalid(NO_LOGIN_ROUTE));
        };
        let ticket_id = random_alphanumeric(TICKET_LEN);
        let sep = if base.contains('?') { '&' } else { '?' };
        let invitation_url = format!(
            "{base}{sep}invitation={ticket_id}&organization={}&organization_name={}",
            org.as_str(),
            encode(org_name)
        );
        Ok(Invitation {
            id: InvitationId::generate(),
            organization_id: org.clone(),
            client_id: self.client_id,
            connection_id: self.connection_id,
            inviter_name: self.inviter_name,
            invitee_email: self.invitee_email,
            app_metadata: self.app_metadata,
            user_metadata: self.user_metadata,
            roles: self.roles,
            ticket_id,
            invitation_url,
            created_at: now,
            expires_at: now + self.ttl,
        })
    }
}

/// Percent-encoding for a query value (organization names are already URL-safe; this keeps
/// any other character from breaking the link).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> CreateInvitation {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_link_and_the_lifetime_as_auth0() {
        let new = NewInvitation::try_from(body(json!({"inviter": {"name": "Ann"},
            "invitee": {"email": "Bob@Acme.test"}, "client_id": "abc"})))
        .unwrap();
        let org = OrgId::generate();
        let now = OffsetDateTime::UNIX_EPOCH;
        let inv = new
            .into_invitation(&org, "acme", Some("https://app.acme.test/login"), now)
            .unwrap();
        assert_eq!(inv.ticket_id.len(), 32);
        assert_eq!(
            inv.invitation_url,
            format!(
                "https://app.acme.test/login?invitation={}&organization={}&organization_name=acme",
                inv.ticket_id,
                org.as_str()
            )
        );
        assert_eq!(inv.expires_at - now, Duration::days(7));
        assert_eq!(inv.invitee_email, "bob@acme.test");
        assert!(inv.id.as_str().starts_with("uinv_"));
        let w = inv.to_wire();
        assert!(w.roles.is_none() && w.connection_id.is_none());
    }

    #[test]
    fn refusals() {
        let new = NewInvitation::try_from(body(json!({"inviter": {"name": "Ann"},
            "invitee": {"email": "b@acme.test"}, "client_id": "abc", "ttl_sec": 60})))
        .unwrap();
        assert_eq!(new.ttl, Duration::seconds(60));
        let e = new
            .into_invitation(&OrgId::generate(), "acme", None, OffsetDateTime::UNIX_EPOCH)
            .unwrap_err();
        assert_eq!(e.to_string(), NO_LOGIN_ROUTE);
        for bad in [
            json!({"inviter": {"name": "A"}, "invitee": {"email": "nope"}, "client_id": "abc"}),
            json!({"inviter": {"name": "A"}, "invitee": {"email": "a@b.c"}, "client_id": "abc", "roles": ["x"]}),
            json!({"inviter": {"name": "A"}, "invitee": {"email": "a@b.c"}, "client_id": "abc", "connection_id": "x"}),
        ] {
            assert!(NewInvitation::try_from(body(bad.clone())).is_err(), "{bad}");
        }
    }
}
