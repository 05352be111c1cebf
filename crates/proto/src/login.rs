//! Auth0's Authentication API bodies beside the token endpoint's: database sign-up
//! (`POST /dbconnections/signup`) and its error shape.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `POST /dbconnections/signup`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SignupRequest {
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub connection: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_metadata: Option<Map<String, Value>>,
}

/// `POST /dbconnections/change_password`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChangePasswordRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub connection: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
}

/// Auth0's answer to a change-password request, whether or not the email is known (a text
/// body, not JSON).
pub const CHANGE_PASSWORD_SENT: &str = "We've just sent you an email to reset your password.";

/// The new user, as Auth0 answers a sign-up (its `_id` is the id without `auth0|`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignupResponse {
    #[serde(rename = "_id")]
    pub id: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    pub email_verified: bool,
}

/// The Authentication API's error body outside the token endpoint:
/// `{"name":"BadRequestError","code":"invalid_signup","description":"Invalid sign up","statusCode":400}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthApiError {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub code: String,
    pub description: String,
    #[serde(rename = "statusCode")]
    pub status_code: u16,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes_are_auth0s() {
        let r = SignupResponse {
            id: "668f".into(),
            email: "a@b.test".into(),
            username: None,
            email_verified: false,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"_id":"668f","email":"a@b.test","email_verified":false}"#
        );
        let e = AuthApiError {
            name: "BadRequestError".into(),
            message: None,
            code: "invalid_signup".into(),
            description: "Invalid sign up".into(),
            status_code: 400,
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"name":"BadRequestError","code":"invalid_signup","description":"Invalid sign up","statusCode":400})
        );
    }
}
