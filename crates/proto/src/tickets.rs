//! `POST /api/v2/tickets/password-change`: a link with which a person sets a new password.

use serde::{Deserialize, Serialize};

use crate::validate::{string, ObjectSchema, Schema};
use crate::{Invalid, Request};

/// Auth0's default lifetime of a password-change ticket (5 days).
pub const DEFAULT_TTL_SEC: i64 = 432_000;
/// orgwarden's longest (Auth0 names none): 30 days, as invitations.
pub const MAX_TTL_SEC: i64 = 2_592_000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreatePasswordChangeTicket {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_sec: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark_email_as_verified: Option<bool>,
    #[serde(
        default,
        rename = "includeEmailInRedirect",
        skip_serializing_if = "Option::is_none"
    )]
    pub include_email_in_redirect: Option<bool>,
}

/// The ticket: a URL on this server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasswordChangeTicket {
    pub ticket: String,
}

fn is_http_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

const HTTP_URL: crate::validate::Format = crate::validate::Format {
    name: "url",
    check: is_http_url,
};

impl Request for CreatePasswordChangeTicket {
    #[rustfmt::skip]
    fn schema() -> Schema {
        ObjectSchema::new()
            .prop("result_url", "URL the user will be redirected to in the classic Universal Login experience once the ticket is used. Cannot be specified when using client_id or organization_id.", crate::validate::formatted(1, 2048, HTTP_URL))
            .prop("user_id", "user_id of for whom the ticket should be created.", string(1, 128))
            .prop("client_id", "ID of the client (application).", string(1, 64))
            .prop("organization_id", "(Optional) Organization ID – the ID of the Organization.", string(1, 64))
            .prop("connection_id", "ID of the connection. If provided, allows the user to be specified using email instead of user_id.", string(1, 64))
            .prop("email", "Email address of the user for whom the tickets should be created. Requires the connection_id parameter. Cannot be specified when using user_id.", string(1, 300))
            .prop("ttl_sec", "Number of seconds for which the ticket is valid before expiration. If unspecified or set to 0, this value defaults to 432000 seconds (5 days).", Schema::Integer { min: 0, max: MAX_TTL_SEC })
            .prop("mark_email_as_verified", "Whether to set the email_verified attribute to true (true) or whether it should not be updated (false).", Schema::Bool)
            .prop("includeEmailInRedirect", "Whether to include the email address as part of the returnUrl in the reset_email (true), or not (false).", Schema::Bool)
            .build()
    }

    fn check(&self) -> Result<(), Invalid> {
        match (&self.user_id, &self.email, &self.connection_id) {
            (Some(_), None, None) | (None, Some(_), Some(_)) => {}
            (Some(_), _, _) => {
                return Err(Invalid::new(
                    "Payload validation error: 'user_id cannot be specified together with email or connection_id'.",
                ))
            }
            (None, Some(_), None) => {
                return Err(Invalid::on("connection_id", "The connection_id is required when email is specified."))
            }
            (None, None, Some(_)) => {
                return Err(Invalid::on("email", "The email is required when connection_id is specified."))
            }
            (None, None, None) => {
                return Err(Invalid::new(
                    "Payload validation error: 'Missing required property: user_id' (or email with connection_id).",
                ))
            }
        }
        if self.result_url.is_some() && (self.client_id.is_some() || self.organization_id.is_some())
        {
            return Err(Invalid::on(
                "result_url",
                "The result_url cannot be specified when using client_id or organization_id.",
            ));
        }
        Ok(())
    }
}

impl CreatePasswordChangeTicket {
    /// The lifetime asked for, 0 or none meaning Auth0's default.
    pub fn ttl(&self) -> i64 {
        match self.ttl_sec {
            None | Some(0) => DEFAULT_TTL_SEC,
            Some(n) => n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_are_checked() {
        for good in [
            json!({"user_id": "auth0|1"}),
            json!({"email": "a@b.test", "connection_id": "con_1", "ttl_sec": 0}),
            json!({"user_id": "auth0|1", "result_url": "https://app.test/done", "includeEmailInRedirect": true}),
        ] {
            assert!(CreatePasswordChangeTicket::parse(&good).is_ok(), "{good}");
        }
        for bad in [
            json!({}),
            json!({"email": "a@b.test"}),
            json!({"connection_id": "con_1"}),
            json!({"user_id": "auth0|1", "email": "a@b.test"}),
            json!({"user_id": "auth0|1", "ttl_sec": MAX_TTL_SEC + 1}),
            json!({"user_id": "auth0|1", "ttl_sec": -1}),
            json!({"user_id": "auth0|1", "result_url": "javascript:alert(1)"}),
            json!({"user_id": "auth0|1", "result_url": "https://a.test", "client_id": "x"}),
            json!({"user_id": "auth0|1", "other": 1}),
        ] {
            assert!(CreatePasswordChangeTicket::parse(&bad).is_err(), "{bad}");
        }
        let t = CreatePasswordChangeTicket::parse(&json!({"user_id": "auth0|1"})).unwrap();
        assert_eq!(t.ttl(), DEFAULT_TTL_SEC);
    }
}
