//! The connections enabled for an organization, with their three settings, and Auth0's rules:
//! `is_signup_enabled` exists only for database connections and needs
//! `assign_membership_on_login`; at most 10 connections per organization.

use serde_json::Value;

use crate::connection::ConnectionSummary;
use crate::ids::ConnectionId;
use crate::validate::{self, formatted, Format, ObjectSchema, Origin, Schema};
use crate::{Error, Result};

pub const MAX_PER_ORGANIZATION: usize = 10;

pub const SIGNUP_RULE: &str =
    "Only database connections with assign_membership_on_login = true support is_signup_enabled = true.";

pub fn limit_error() -> Error {
    Error::LimitReached(format!(
        "You reached the limit of entities of this type for this organization: at most {MAX_PER_ORGANIZATION} connections can be enabled."
    ))
}

/// The settings of one enabled connection, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub assign_membership_on_login: bool,
    pub show_as_button: bool,
    /// Meaningful for database connections only; stored `false` for the others.
    pub is_signup_enabled: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            assign_membership_on_login: false,
            show_as_button: true,
            is_signup_enabled: false,
        }
    }
}

/// A change to the settings: `None` keeps the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SettingsPatch {
    pub assign_membership_on_login: Option<bool>,
    pub show_as_button: Option<bool>,
    pub is_signup_enabled: Option<bool>,
}

impl SettingsPatch {
    /// Applies the patch and checks the sign-up rule on the result, as Auth0 does.
    pub fn merge(self, current: Settings, connection: &ConnectionSummary) -> Result<Settings> {
        let merged = Settings {
            assign_membership_on_login: self
                .assign_membership_on_login
                .unwrap_or(current.assign_membership_on_login),
            show_as_button: self.show_as_button.unwrap_or(current.show_as_button),
            is_signup_enabled: self.is_signup_enabled.unwrap_or(current.is_signup_enabled),
        };
        if merged.is_signup_enabled
            && !(connection.is_database() && merged.assign_membership_on_login)
        {
            return Err(Error::invalid(SIGNUP_RULE));
        }
        Ok(merged)
    }

    fn from_checked(body: &Value) -> Self {
        SettingsPatch {
            assign_membership_on_login: body
                .get("assign_membership_on_login")
                .and_then(Value::as_bool),
            show_as_button: body.get("show_as_button").and_then(Value::as_bool),
            is_signup_enabled: body.get("is_signup_enabled").and_then(Value::as_bool),
        }
    }

    /// Validates a `PATCH …/enabled_connections/{id}` body: only the three settings.
    pub fn from_json(body: &Value) -> Result<Self> {
        validate::check(body, &update_schema(), Origin::Payload).map_err(Error::Invalid)?;
        Ok(Self::from_checked(body))
    }
}

/// A connection enabled for an organization, with its name and strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnabledConnection {
    pub connection_id: ConnectionId,
    pub settings: Settings,
    pub connection: ConnectionSummary,
}

/// A request to enable a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnabledConnection {
    pub connection_id: ConnectionId,
    pub settings: SettingsPatch,
}

impl NewEnabledConnection {
    /// Validates a `POST …/enabled_connections` body.
    pub fn from_json(body: &Value) -> Result<Self> {
        validate::check(body, &create_schema(), Origin::Payload).map_err(Error::Invalid)?;
        Self::from_checked_json(body)
    }

    /// Reads a body already checked against [`create_schema`].
    pub fn from_checked_json(body: &Value) -> Result<Self> {
        let id = body["connection_id"].as_str().and_then(ConnectionId::parse);
        let connection_id =
            id.ok_or_else(|| Error::invalid("connection_id is not a connection id"))?;
        Ok(Self {
            connection_id,
            settings: SettingsPatch::from_checked(body),
        })
    }

    /// The settings a new enabled connection gets, checked against the connection.
    pub fn settings_for(&self, connection: &ConnectionSummary) -> Result<Settings> {
        self.settings.merge(Settings::default(), connection)
    }
}

fn is_connection_id(s: &str) -> bool {
    ConnectionId::parse(s).is_some()
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

fn update_schema() -> Schema {
    settings(ObjectSchema::new()).build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn db() -> ConnectionSummary {
        ConnectionSummary {
            name: "db".into(),
            strategy: "auth0".into(),
        }
    }

    fn ad() -> ConnectionSummary {
        ConnectionSummary {
            name: "corp".into(),
            strategy: "ad".into(),
        }
    }

    #[test]
    fn defaults_are_auth0s() {
        let s = Settings::default();
        assert!(!s.assign_membership_on_login && s.show_as_button && !s.is_signup_enabled);
    }

    #[test]
    fn signup_needs_a_database_connection_and_membership() {
        let on = |a, s| SettingsPatch {
            assign_membership_on_login: Some(a),
            is_signup_enabled: Some(s),
            show_as_button: None,
        };
        assert!(
            on(true, true)
                .merge(Settings::default(), &db())
                .unwrap()
                .is_signup_enabled
        );
        assert_eq!(
            on(false, true)
                .merge(Settings::default(), &db())
                .unwrap_err()
                .to_string(),
            SIGNUP_RULE
        );
        assert!(on(true, true).merge(Settings::default(), &ad()).is_err());
        // Checked on the merged state: turning membership off while sign-up stays on fails.
        let current = Settings {
            assign_membership_on_login: true,
            show_as_button: true,
            is_signup_enabled: true,
        };
        let off = SettingsPatch {
            assign_membership_on_login: Some(false),
            ..Default::default()
        };
        assert!(off.merge(current, &db()).is_err());
    }

    #[test]
    fn bodies_are_checked() {
        let e = NewEnabledConnection::from_json(&json!({"assign_membership_on_login": true}))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Payload validation error: 'Missing required property: connection_id'."
        );
        let e = NewEnabledConnection::from_json(&json!({"connection_id": "nope"})).unwrap_err();
        assert!(e.to_string().contains("format connection-id"), "{e}");
        let e = SettingsPatch::from_json(&json!({"connection_id": "con_x"})).unwrap_err();
        assert!(e
            .to_string()
            .contains("Additional properties not allowed: connection_id"));
    }
}
