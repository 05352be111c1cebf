//! `/api/v2/organizations/{id}/invitations`: invitations to join an organization.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validate::{array, string, ObjectSchema, Schema};
use crate::Request;

/// Auth0's default lifetime (7 days) and longest (30 days), in seconds.
pub const DEFAULT_TTL_SEC: i64 = 604_800;
pub const MAX_TTL_SEC: i64 = 2_592_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inviter {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invitee {
    pub email: String,
}

/// An invitation as shown, in Auth0's key order (recorded); unset properties left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: String,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    pub inviter: Inviter,
    pub invitee: Invitee,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_metadata: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_metadata: Option<Map<String, Value>>,
    pub invitation_url: String,
    pub ticket_id: String,
    pub created_at: String,
    pub expires_at: String,
    pub organization_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
}

/// `POST /organizations/{id}/invitations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateInvitation {
    pub inviter: Inviter,
    pub invitee: Invitee,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_metadata: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_metadata: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_sec: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_invitation_email: Option<bool>,
}

impl Request for CreateInvitation {
    fn schema() -> Schema {
        let inviter = ObjectSchema::new()
            .prop("name", "The inviter's name.", string(1, 300))
            .required(&["name"])
            .build();
        let invitee = ObjectSchema::new()
            .prop("email", "The invitee's email.", string(3, 300))
            .required(&["email"])
            .build();
        let metadata = || ObjectSchema::new().additional(Schema::Any).build();
        ObjectSchema::new()
            .prop("inviter", "", inviter)
            .prop("invitee", "", invitee)
            .prop("client_id", "Auth0 client ID. Used to resolve the application's login initiation endpoint.", string(1, 64))
            .prop("connection_id", "The id of the connection to force invitee to authenticate with.", string(1, 50))
            .prop("app_metadata", "", metadata())
            .prop("user_metadata", "", metadata())
            .prop("ttl_sec", "Number of seconds for which the invitation is valid before expiration. If unspecified or set to 0, this value defaults to 604800 seconds (7 days). Max value: 2592000 seconds (30 days).", Schema::Integer { min: 0, max: MAX_TTL_SEC })
            .prop("roles", "List of roles IDs to associated with the user.", array(string(1, 64), Some(50), true))
            .prop("send_invitation_email", "Whether the user will receive an invitation email (true) or no email (false), true by default", Schema::Bool)
            .required(&["inviter", "invitee", "client_id"])
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_are_checked() {
        let ok = json!({"inviter": {"name": "Ann"}, "invitee": {"email": "b@acme.test"}, "client_id": "abc"});
        assert!(CreateInvitation::parse(&ok).is_ok());
        for bad in [
            json!({"inviter": {"name": "Ann"}, "invitee": {"email": "b@acme.test"}}),
            json!({"inviter": {}, "invitee": {"email": "b@acme.test"}, "client_id": "abc"}),
            json!({"inviter": {"name": "Ann"}, "invitee": {"email": "b@acme.test"}, "client_id": "abc", "ttl_sec": 2592001}),
            json!({"inviter": {"name": "Ann"}, "invitee": {"email": "b@acme.test"}, "client_id": "abc", "extra": 1}),
        ] {
            assert!(CreateInvitation::parse(&bad).is_err(), "{bad}");
        }
    }
}
