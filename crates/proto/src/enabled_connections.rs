//! The connections enabled for an organization: `/organizations/{id}/enabled_connections`
//! and the newer `/organizations/{id}/connections`.

use serde::{Deserialize, Serialize};

use crate::validate::{formatted, Format, ObjectSchema, Schema};
use crate::Request;

/// The name and strategy of a connection, as shown inside an enabled connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionSummary {
    pub name: String,
    pub strategy: String,
}

/// `connection_id, assign_membership_on_login, [is_signup_enabled], show_as_button,
/// connection`: `is_signup_enabled` only for database connections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnabledConnection {
    pub connection_id: String,
    pub assign_membership_on_login: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_signup_enabled: Option<bool>,
    pub show_as_button: bool,
    pub connection: ConnectionSummary,
}

/// The newer API's shape: `is_signup_enabled` always, plus `is_enabled` and
/// `organization_access_level`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationConnection {
    pub connection_id: String,
    pub is_signup_enabled: bool,
    pub assign_membership_on_login: bool,
    pub show_as_button: bool,
    pub is_enabled: bool,
    pub organization_access_level: String,
    pub connection: ConnectionSummary,
}

/// The three settings of an enabled connection, as a body gives them (`None`: left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SettingsBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_membership_on_login: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_signup_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_as_button: Option<bool>,
}

/// `POST …/enabled_connections` (and an item of a create organization's
/// `enabled_connections`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CreateEnabledConnection {
    pub connection_id: String,
    #[serde(flatten)]
    pub settings: SettingsBody,
}

/// `PATCH …/enabled_connections/{id}`: only the three settings.
pub type UpdateEnabledConnection = SettingsBody;

/// `con_` and alphanumerics, at most 50 characters.
pub fn is_connection_id(s: &str) -> bool {
    s.len() <= 50
        && s.strip_prefix("con_")
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

const CONNECTION_ID: Format = Format {
    name: "connection-id",
    check: is_connection_id,
};

fn settings(o: ObjectSchema) -> ObjectSchema {
    o.prop("assign_membership_on_login", "When true, all users that log in with this connection will be automatically granted membership in the organization. When false, users must be granted membership in the organization before logging in with this connection.", Schema::Bool)
        .prop("is_signup_enabled", "Determines whether organization signup should be enabled for this organization connection. Only applicable for database connections. Default: false.", Schema::Bool)
        .prop("show_as_button", "Determines whether a connection should be displayed on this organization’s login prompt. Only applicable for enterprise connections. Default: true.", Schema::Bool)
}

pub(crate) fn create_schema() -> Schema {
    settings(ObjectSchema::new())
        .prop(
            "connection_id",
            "Single connection ID to add to the organization.",
            formatted(1, 50, CONNECTION_ID),
        )
        .required(&["connection_id"])
        .build()
}

impl Request for CreateEnabledConnection {
    fn schema() -> Schema {
        create_schema()
    }
}

impl Request for SettingsBody {
    fn schema() -> Schema {
        settings(ObjectSchema::new()).build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::round_trip;
    use serde_json::json;

    #[test]
    fn shapes_round_trip() {
        let e: EnabledConnection = round_trip(json!({
            "connection_id": "con_x", "assign_membership_on_login": true, "show_as_button": true,
            "connection": {"name": "corp", "strategy": "ad"}
        }));
        assert_eq!(e.is_signup_enabled, None);
        round_trip::<OrganizationConnection>(json!({
            "connection_id": "con_x", "is_signup_enabled": false, "assign_membership_on_login": false,
            "show_as_button": true, "is_enabled": true, "organization_access_level": "none",
            "connection": {"name": "db", "strategy": "auth0"}
        }));
        let c: CreateEnabledConnection =
            round_trip(json!({"connection_id": "con_x", "is_signup_enabled": true}));
        assert_eq!(c.settings.is_signup_enabled, Some(true));
        round_trip::<UpdateEnabledConnection>(json!({"show_as_button": false}));
    }

    #[test]
    fn bodies_are_checked_with_auth0s_messages() {
        let e = CreateEnabledConnection::parse(&json!({"assign_membership_on_login": true}))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Payload validation error: 'Missing required property: connection_id'."
        );
        let e = CreateEnabledConnection::parse(&json!({"connection_id": "nope"})).unwrap_err();
        assert!(e.message.contains("format connection-id"), "{e}");
        assert_eq!(e.field.as_deref(), Some("connection_id"));
        let e = UpdateEnabledConnection::parse(&json!({"connection_id": "con_x"})).unwrap_err();
        assert!(e
            .message
            .contains("Additional properties not allowed: connection_id"));
    }
}
