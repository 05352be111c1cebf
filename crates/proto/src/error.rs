//! Auth0's error body, `{"statusCode":404,"error":"Not Found","message":"…","errorCode":"…"}`,
//! the `errorCode`s orgwarden sends, and [`Invalid`], a refused request body.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The body of every Management API error. `errorCode` and `attributes` are left out when
/// unset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(rename = "statusCode")]
    pub status_code: u16,
    /// The status text (`"Bad Request"`).
    pub error: String,
    pub message: String,
    #[serde(rename = "errorCode", skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Sent with a refused bearer token: `{"error": <message>}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Value>,
}

impl ErrorBody {
    pub fn new(status_code: u16, error: &str, message: &str, error_code: Option<&str>) -> Self {
        ErrorBody {
            status_code,
            error: error.to_owned(),
            message: message.to_owned(),
            error_code: error_code.map(str::to_owned),
            attributes: None,
        }
    }
}

/// The `errorCode`s orgwarden sends, Auth0's where Auth0 has one.
pub mod code {
    pub const INVALID_BODY: &str = "invalid_body";
    pub const INVALID_QUERY_STRING: &str = "invalid_query_string";
    pub const INVALID_URI: &str = "invalid_uri";
    pub const INVALID_PAGING: &str = "invalid_paging";
    pub const INSUFFICIENT_SCOPE: &str = "insufficient_scope";
    pub const ENTITY_LIMIT_EXCEEDED: &str = "entity_limit_exceeded";
    pub const TOO_MANY_REQUESTS: &str = "too_many_requests";
    /// Sent with a malformed `Authorization` header.
    pub const BEARER: &str = "Bearer";
    pub const INEXISTENT_CONNECTION: &str = "inexistent_connection";
    pub const INEXISTENT_CLIENT: &str = "inexistent_client";
    pub const INEXISTENT_CLIENT_GRANT: &str = "inexistent_client_grant";
    pub const ORGANIZATION_CONFLICT: &str = "organization_conflict";
    pub const CONNECTION_CONFLICT: &str = "connection_conflict";
    pub const ORGANIZATION_CONNECTION_CONFLICT: &str = "organization_connection_conflict";
    pub const CLIENT_GRANT_CONFLICT: &str = "client_grant_conflict";
    pub const AUTH0_IDP_ERROR: &str = "auth0_idp_error";
    pub const DISCOVERY_DOMAIN_CONFLICT: &str = "organization_discovery_domain_conflict";
    pub const INEXISTENT_USER: &str = "inexistent_user";
    pub const INEXISTENT_INVITATION: &str = "inexistent_invitation";
    pub const ORGANIZATION_CLIENT_GRANT_CONFLICT: &str = "organization_client_grant_conflict";
    pub const RESOURCE_SERVER_CONFLICT: &str = "resource_server_conflict";
    pub const INEXISTENT_RESOURCE_SERVER: &str = "inexistent_resource_server";
    pub const OPERATION_NOT_SUPPORTED: &str = "operation_not_supported";
    /// orgwarden's own: the cap on requests in flight is reached.
    pub const SERVER_BUSY: &str = "server_busy";
    /// orgwarden's own: the request was not read or answered in time.
    pub const REQUEST_TIMEOUT: &str = "request_timeout";
}

/// A request refused by a rule: Auth0's message, and the property it is about (`name`,
/// `branding.colors.primary`, `scope[2]`) when it is about one, so a form can show the
/// message beside its field without reading the English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub message: String,
    /// The property path; `None` when the message is about the body as a whole.
    pub field: Option<String>,
}

impl Invalid {
    /// A message about no single property.
    pub fn new(message: impl Into<String>) -> Self {
        Invalid {
            message: message.into(),
            field: None,
        }
    }

    /// A message about the property at `path`.
    pub fn on(path: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid {
            message: message.into(),
            field: Some(path.into()),
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Invalid {}

impl From<String> for Invalid {
    fn from(message: String) -> Self {
        Invalid::new(message)
    }
}

impl From<&str> for Invalid {
    fn from(message: &str) -> Self {
        Invalid::new(message)
    }
}

impl From<Invalid> for String {
    fn from(i: Invalid) -> String {
        i.message
    }
}

impl PartialEq<str> for Invalid {
    fn eq(&self, other: &str) -> bool {
        self.message == other
    }
}

impl PartialEq<&str> for Invalid {
    fn eq(&self, other: &&str) -> bool {
        self.message == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_body_keeps_auth0s_keys_and_order() {
        let b = ErrorBody::new(
            404,
            "Not Found",
            "The client does not exist",
            Some(code::INEXISTENT_CLIENT),
        );
        let text = serde_json::to_string(&b).unwrap();
        assert_eq!(
            text,
            r#"{"statusCode":404,"error":"Not Found","message":"The client does not exist","errorCode":"inexistent_client"}"#
        );
        assert_eq!(serde_json::from_str::<ErrorBody>(&text).unwrap(), b);
        let bare = ErrorBody::new(401, "Unauthorized", "Missing authentication", None);
        assert_eq!(
            serde_json::to_value(&bare).unwrap(),
            json!({"statusCode": 401, "error": "Unauthorized", "message": "Missing authentication"})
        );
    }
}
