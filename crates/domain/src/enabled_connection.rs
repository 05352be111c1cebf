//! The connections enabled for an organization, with their three settings, and Auth0's rules:
//! `is_signup_enabled` exists only for database connections and needs
//! `assign_membership_on_login`; at most 10 connections per organization.

use orgwarden_proto::enabled_connections as wire;
use orgwarden_proto::enabled_connections::{CreateEnabledConnection, SettingsBody};

use crate::connection::ConnectionSummary;
use crate::ids::ConnectionId;
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
}

/// A `PATCH …/enabled_connections/{id}` body: only the three settings.
impl From<SettingsBody> for SettingsPatch {
    fn from(body: SettingsBody) -> Self {
        SettingsPatch {
            assign_membership_on_login: body.assign_membership_on_login,
            show_as_button: body.show_as_button,
            is_signup_enabled: body.is_signup_enabled,
        }
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

/// A `POST …/enabled_connections` body (or an item of a create organization's).
impl TryFrom<CreateEnabledConnection> for NewEnabledConnection {
    type Error = Error;

    fn try_from(body: CreateEnabledConnection) -> Result<Self> {
        let connection_id = ConnectionId::parse(&body.connection_id)
            .ok_or_else(|| Error::invalid("connection_id is not a connection id"))?;
        Ok(Self {
            connection_id,
            settings: body.settings.into(),
        })
    }
}

impl NewEnabledConnection {
    /// The settings a new enabled connection gets, checked against the connection.
    pub fn settings_for(&self, connection: &ConnectionSummary) -> Result<Settings> {
        self.settings.merge(Settings::default(), connection)
    }
}

fn summary(c: &ConnectionSummary) -> wire::ConnectionSummary {
    wire::ConnectionSummary {
        name: c.name.clone(),
        strategy: c.strategy.clone(),
    }
}

impl EnabledConnection {
    /// As `/enabled_connections` shows it: `is_signup_enabled` only for database connections.
    pub fn to_wire(&self) -> wire::EnabledConnection {
        wire::EnabledConnection {
            connection_id: self.connection_id.as_str().to_owned(),
            assign_membership_on_login: self.settings.assign_membership_on_login,
            is_signup_enabled: self
                .connection
                .is_database()
                .then_some(self.settings.is_signup_enabled),
            show_as_button: self.settings.show_as_button,
            connection: summary(&self.connection),
        }
    }

    /// As the newer `/organizations/{id}/connections` shows it: enabled, at access level
    /// `none` (the only ones orgwarden keeps).
    pub fn to_organization_connection(&self) -> wire::OrganizationConnection {
        wire::OrganizationConnection {
            connection_id: self.connection_id.as_str().to_owned(),
            is_signup_enabled: self.settings.is_signup_enabled,
            assign_membership_on_login: self.settings.assign_membership_on_login,
            show_as_button: self.settings.show_as_button,
            is_enabled: true,
            organization_access_level: "none".into(),
            connection: summary(&self.connection),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_two_shapes_differ_only_where_auth0s_do() {
        let e = EnabledConnection {
            connection_id: ConnectionId::parse("con_abc").unwrap(),
            settings: Settings::default(),
            connection: ad(),
        };
        assert_eq!(e.to_wire().is_signup_enabled, None);
        assert!(!e.to_organization_connection().is_signup_enabled);
        let db = EnabledConnection {
            connection: db(),
            ..e
        };
        assert_eq!(db.to_wire().is_signup_enabled, Some(false));
    }
}
