//! Who may enter an organization at sign-in, and through which door: members always;
//! others only with a valid invitation addressed to them, or through a connection that makes
//! people members on login (`assign_membership_on_login`). Sign-up in an organization needs
//! the connection's `is_signup_enabled`, or an invitation.

use time::OffsetDateTime;

use crate::enabled_connection::Settings;
use crate::ids::{InvitationId, OrgId, RoleId};
use crate::invitation::Invitation;

/// What is known when someone has authenticated and wants into `org`.
pub struct Facts<'a> {
    pub org: &'a OrgId,
    pub user_id: &'a str,
    pub email: Option<&'a str>,
    pub is_member: bool,
    /// The organization's settings for the connection they authenticated with.
    pub settings: &'a Settings,
    /// The invitation the request carries, found in this organization.
    pub invitation: Option<&'a Invitation>,
    pub now: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Admission {
    /// Already a member.
    Member,
    /// Becomes a member now, with these roles; the invitation (if any) is used up.
    Join {
        roles: Vec<RoleId>,
        invitation: Option<InvitationId>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    NotMember { user_id: String, org: OrgId },
    InvitationExpired,
    InvitationForSomeoneElse,
}

impl Refusal {
    /// The `error_description` sent back with `access_denied`.
    pub fn description(&self) -> String {
        match self {
            Refusal::NotMember { user_id, org } => {
                format!(
                    "user {user_id} is not part of the {} organization",
                    org.as_str()
                )
            }
            Refusal::InvitationExpired => "the invitation has expired or was already used".into(),
            Refusal::InvitationForSomeoneElse => {
                "the invitation was sent to a different email address".into()
            }
        }
    }
}

/// Whether the person may enter, and how.
pub fn admit(f: &Facts<'_>) -> Result<Admission, Refusal> {
    if let Some(inv) = f.invitation {
        if inv.expires_at <= f.now || inv.organization_id != *f.org {
            return Err(Refusal::InvitationExpired);
        }
        let addressed = f
            .email
            .is_some_and(|e| e.eq_ignore_ascii_case(&inv.invitee_email));
        if !addressed {
            return Err(Refusal::InvitationForSomeoneElse);
        }
        return Ok(Admission::Join {
            roles: inv.roles.clone(),
            invitation: Some(inv.id.clone()),
        });
    }
    if f.is_member {
        return Ok(Admission::Member);
    }
    if f.settings.assign_membership_on_login {
        return Ok(Admission::Join {
            roles: Vec::new(),
            invitation: None,
        });
    }
    Err(Refusal::NotMember {
        user_id: f.user_id.to_owned(),
        org: f.org.clone(),
    })
}

/// Whether a new account may be made through this organization's connection.
pub fn may_sign_up(settings: &Settings, has_invitation: bool) -> bool {
    settings.is_signup_enabled || has_invitation
}
