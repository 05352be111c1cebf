//! `/api/v2/organizations/{id}/members`: the people of an organization.

use serde::{Deserialize, Serialize};

use crate::validate::{array, string, ObjectSchema, Schema};
use crate::Request;

/// At most this many user ids in one request (Auth0 names no limit; this keeps work bounded).
pub const MAX_MEMBERS_PER_REQUEST: usize = 100;

/// One member as listed (Auth0's key order: user_id, email, picture, name, roles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub picture: String,
    pub name: String,
}

/// `POST` and `DELETE /organizations/{id}/members`. Other properties are allowed and ignored,
/// as Auth0's schema says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Members {
    pub members: Vec<String>,
}

impl Request for Members {
    fn schema() -> Schema {
        ObjectSchema::new()
            .prop(
                "members",
                "List of user IDs to add to the organization as members.",
                array(string(1, 128), Some(MAX_MEMBERS_PER_REQUEST), false),
            )
            .required(&["members"])
            .additional(Schema::Any)
            .build()
    }

    fn check(&self) -> Result<(), crate::Invalid> {
        if self.members.is_empty() {
            return Err(crate::Invalid::on(
                "members",
                "Payload validation error: 'Array is too short (0), minimum 1' on property members (List of user IDs to add to the organization as members.).",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_are_checked() {
        assert!(Members::parse(&json!({"members": ["auth0|1"], "other": 1})).is_ok());
        for bad in [
            json!({}),
            json!({"members": []}),
            json!({"members": [1]}),
            json!({"members": "auth0|1"}),
        ] {
            assert!(Members::parse(&bad).is_err(), "{bad}");
        }
        let too_many: Vec<String> = (0..=MAX_MEMBERS_PER_REQUEST)
            .map(|i| format!("auth0|{i}"))
            .collect();
        assert!(Members::parse(&json!({ "members": too_many })).is_err());
    }
}
